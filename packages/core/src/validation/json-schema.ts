/**
 * @module validation/json-schema
 * Users' JSON Schemas (draft 2020-12): a workflow's `inputs` and a human node's answer `schema`.
 * Validators are compiled once per schema text and cached.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorCode } from '../error-codes.js';
import { WeftError } from '../errors.js';
import { linearRegExp } from './regexp.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

const ajv = addFormats(
  new Ajv2020({
    allErrors: true,
    useDefaults: true,
    strict: false,
    coerceTypes: false,
    // Property names are the user's: `required: [constructor]` must not be met by a prototype.
    ownProperties: true,
    // Input reaches `pattern` from unauthenticated webhooks: match it in linear time.
    code: { regExp: linearRegExp },
  }),
);
const cache = new Map<string, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = cache.get(key);
  if (v === undefined) {
    v = ajv.compile(schema);
    if (cache.size > 1000) cache.clear();
    cache.set(key, v);
  }
  return v;
}

export interface SchemaProblem {
  path: string;
  message: string;
}

function describe(e: ErrorObject, root: string): SchemaProblem {
  let path =
    root +
    e.instancePath.replace(/\/([^/]+)/g, (_m, seg: string) =>
      /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`,
    );
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    path = `${path}.${missing}`;
    message = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    path = `${path}.${(e.params as { additionalProperty: string }).additionalProperty}`;
    message = 'is not allowed';
  }
  return { path, message };
}

/**
 * Validates `value` against `schema`, filling defaults in place. Throws WeftError
 * `code` with `details: SchemaProblem[]` and a message naming every bad field.
 */
export function validateAgainst(
  schema: object,
  value: unknown,
  o: { code: ErrorCode; root: string; what: string },
): void {
  const validate = validatorFor(schema);
  if (validate(value)) return;
  const problems = (validate.errors ?? []).map((e) => describe(e, o.root));
  const text = problems.map((p) => `${p.path} ${p.message}`).join('; ');
  throw new WeftError(o.code, `${o.what} is invalid: ${text}`, { details: problems });
}
