/**
 * @module dsl/inputs-schema
 * Checks a definition's `inputs`: it must be a JSON Schema (draft 2020-12) that compiles with the
 * same ajv settings the runtime validates inputs with, and it must describe an object.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { linearRegExp } from '../validation/regexp.js';
import type { Findings, Path, Segment } from './findings.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** `/properties/a~1b/0` -> ['properties', 'a/b', 0] */
function pointerToPath(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

function describeMetaError(e: ErrorObject): string {
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return `must be one of ${allowed.map((v) => String(v)).join(', ')}`;
  }
  if (e.keyword === 'additionalProperties') {
    return `unknown key \`${String((e.params as { additionalProperty?: unknown }).additionalProperty)}\``;
  }
  return e.message ?? 'is invalid';
}

/** The runtime's settings (see `validation/json-schema.ts`), strict ones as warnings. */
const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  strictSchema: 'log',
  validateFormats: true,
  // The runtime's regex engine, so a pattern it cannot run is refused here, by name.
  code: { regExp: linearRegExp },
  // Otherwise ajv tests every `properties` key with JavaScript's backtracking engine.
  allowMatchingProperties: true,
} as const;

let meta: Ajv2020 | undefined;

/**
 * One instance checks every schema against the meta-schema: compiling the draft 2020-12
 * meta-schema is by far the largest cost of a check, and checking a schema registers nothing.
 */
function metaChecker(): Ajv2020 {
  return (meta ??= addFormats(new Ajv2020({ ...AJV_OPTIONS, logger: false })));
}

/**
 * Reports what is wrong with the `inputs` schema at `path`. Unknown keywords are warnings, not
 * errors: JSON Schema allows them, but they are most often typos (`requird`).
 */
export function checkInputsSchema(
  schema: Record<string, unknown>,
  path: Path,
  findings: Findings,
): void {
  const checker = metaChecker();
  if (!checker.validateSchema(schema)) {
    // The meta-schema reports each bad spot several ways (anyOf branches); the first is the clearest.
    const seen = new Set<string>();
    for (const e of checker.errors ?? []) {
      if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
      if (seen.has(e.instancePath)) continue;
      seen.add(e.instancePath);
      findings.error(
        [...path, ...pointerToPath(e.instancePath)],
        `invalid JSON Schema: ${describeMetaError(e)}`,
      );
    }
    if (seen.size === 0) findings.error(path, 'invalid JSON Schema');
    return;
  }
  const warnings: string[] = [];
  // A fresh instance per compile: users' `$id`s must not collide across definitions, and the
  // logger routes this schema's warnings to this validation. The meta-schema was checked above.
  const ajv = addFormats(
    new Ajv2020({
      ...AJV_OPTIONS,
      validateSchema: false,
      logger: {
        log: () => undefined,
        warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
        error: () => undefined,
      },
    }),
  );
  try {
    ajv.compile(schema);
  } catch (e) {
    findings.error(path, `invalid JSON Schema: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  for (const w of warnings) findings.warn(path, `JSON Schema: ${w.replace(/^strict mode: /, '')}`);

  const type = schema['type'];
  const describesObject =
    type === undefined || type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (!describesObject)
    findings.error(
      [...path, 'type'],
      '`inputs` describes the input object: its `type` must be `object`',
    );
}
