/**
 * @module schema
 * The DSL's published JSON Schema (draft 2020-12, shipped in `schema/workflow.yaml`), compiled
 * once with ajv's 2020 build. Its errors become findings on the document's paths, so they are
 * placed at the line and column of the source.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { Finding } from '@weft/core';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = parse(
      readFileSync(new URL('../schema/workflow.yaml', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    (addFormats as unknown as (a: Ajv2020) => Ajv2020)(ajv);
    ajv.addFormat('uri-template', true);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** JSON pointer -> path segments (numbers for array indexes). */
function segments(pointer: string, value: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let at: unknown = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg = Array.isArray(at) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties')
    return `unknown key \`${String(p['unevaluatedProperty'] ?? p['additionalProperty'])}\``;
  if (e.keyword === 'required') return `missing \`${String(p['missingProperty'])}\``;
  if (e.keyword === 'enum')
    return `must be one of ${(p['allowedValues'] as unknown[]).map(String).join(', ')}`;
  return e.message ?? e.keyword;
}

/** The alternative of a `oneOf`/`anyOf` an error belongs to (its schema path up to it). */
function alternative(e: ErrorObject): string {
  const m = /^(.*\/(?:oneOf|anyOf)\/\d+)(?:\/|$)/.exec(e.schemaPath);
  return m?.[1] ?? '';
}

/**
 * Validates a document against the schema. A document that matches no alternative of a `oneOf`
 * (a task of no known kind) gets errors from every alternative: those of the alternative that
 * came closest (the fewest errors: `call: http` with an unknown key fails only on that key) are
 * the ones that say what is wrong.
 */
export function checkSchema(value: unknown): Finding[] {
  const validate = validator();
  if (validate(value)) return [];
  const errors = (validate.errors ?? []).filter(
    (e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if',
  );
  const groups = new Map<string, ErrorObject[]>();
  for (const e of errors) groups.set(alternative(e), [...(groups.get(alternative(e)) ?? []), e]);
  const best = [...groups.values()].sort((a, b) => a.length - b.length)[0] ?? [];
  const chosen = best.length > 0 ? best : (validate.errors ?? []).slice(0, 1);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const e of chosen) {
    const message = `does not match the Serverless Workflow 1.0 schema: ${describe(e)}`;
    const key = `${e.instancePath} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const extra = e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties';
    const path = segments(e.instancePath, value);
    const unknown = e.params as Record<string, unknown>;
    findings.push(
      extra
        ? {
            path: [
              ...path,
              String(unknown['unevaluatedProperty'] ?? unknown['additionalProperty']),
            ],
            message,
            severity: 'error',
            at: 'key',
          }
        : { path, message, severity: 'error' },
    );
  }
  return findings.slice(0, 20);
}
