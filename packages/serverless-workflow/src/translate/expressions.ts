/**
 * @module translate/expressions
 * Checks the jq of a document's runtime expressions when it is compiled, so that a typo is a
 * finding at its line and column rather than a failed run.
 */
import type { Finding } from '@weft/core';
import { checkJq, runtimeExpression } from '@weft/core';
import { isObj, type Path } from './types.js';

/**
 * The problems of a field that is an expression: wrapped in `${ }`, or, when `bare`, plain jq
 * (`when`, `from`, `as`, `in`). An object is checked as a value.
 */
export function expressionFindings(path: Path, value: unknown, bare: boolean): Finding[] {
  if (typeof value !== 'string') return isObj(value) ? valueFindings(path, value) : [];
  const inner = runtimeExpression(value);
  const expr = inner ?? (bare ? value : undefined);
  if (expr === undefined) return [];
  const problem = checkJq(expr);
  if (problem === undefined) return [];
  const start = inner === undefined ? 0 : value.indexOf('${') + 2;
  return [{ path, severity: 'error', message: problem.message, offset: start + problem.offset }];
}

/** The problems of every `${ }` string in a value, at any depth. */
export function valueFindings(path: Path, value: unknown): Finding[] {
  if (typeof value === 'string') return expressionFindings(path, value, false);
  if (Array.isArray(value)) return value.flatMap((v, i) => valueFindings([...path, i], v));
  if (isObj(value))
    return Object.entries(value).flatMap(([k, v]) => valueFindings([...path, k], v));
  return [];
}
