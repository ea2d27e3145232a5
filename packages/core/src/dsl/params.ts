/**
 * @module dsl/params
 * Checks a node's `with` against its type's parameter schema. The schema describes rendered
 * values, so wherever a template (a string with `{{`) or an expression stands, any value may come
 * out of it at run time: issues located at such a string or inside it are dropped. Raw paths are
 * kept verbatim, so their strings are judged as they are.
 */
import type { NodeType } from '../nodes/types.js';
import { matchesPattern, type PathPattern } from './expressions.js';
import type { Findings, Path, Segment } from './findings.js';
import { objectKeysAt } from './schema-keys.js';
import { dslErrorMap, issuesToFindings } from './zod-issues.js';

/** Whether a value reached along `rel` is produced at run time (template or expression). */
function dynamicOnPath(
  root: unknown,
  rel: readonly Segment[],
  expressions: readonly PathPattern[],
  raw: readonly PathPattern[],
): boolean {
  let v: unknown = root;
  for (let i = 0; ; i++) {
    const here = rel.slice(0, i);
    if (i > 0 && raw.some((p) => matchesPattern(p, here))) return false;
    if (typeof v === 'string')
      return v.includes('{{') || expressions.some((p) => matchesPattern(p, here));
    if (i >= rel.length || typeof v !== 'object' || v === null) return false;
    const seg = rel[i] as Segment;
    v = Array.isArray(v)
      ? typeof seg === 'number'
        ? v[seg]
        : undefined
      : (v as Record<string, unknown>)[String(seg)];
  }
}

/** Validates `params` (a node's `with`, body removed) written at `withPath`. */
export function checkParams(
  type: NodeType,
  params: Record<string, unknown> | undefined,
  withPath: Path,
  patterns: { expressions: readonly PathPattern[]; raw: readonly PathPattern[] },
  findings: Findings,
): void {
  const value = params ?? {};
  let result;
  try {
    result = type.params.safeParse(value, { error: dslErrorMap });
  } catch (e) {
    findings.error(
      withPath,
      `the parameters of \`${type.type}\` could not be checked: ${e instanceof Error ? e.message : String(e)}`,
    );
    return;
  }
  if (result.success) return;
  issuesToFindings(result.error.issues, withPath, findings.items, {
    drop: (rel) => dynamicOnPath(value, rel, patterns.expressions, patterns.raw),
    keysAt: (rel) => objectKeysAt(type.params, rel),
  });
}
