/**
 * @module expr/fastpath
 * Most expressions in a workflow are plain references (`classify.label`, `inputs.user.id`).
 * jsonata evaluates those through generators, sequences and two hooks per step; reading the
 * properties directly is two orders of magnitude cheaper and, while every value along the path
 * is a non-array object, gives the same result.
 */
import type { AstNode } from './ast.js';
import { isScopeValue } from './scope.js';

/** Returned when the direct lookup cannot vouch for jsonata's result (arrays, raw data). */
export const MISS: unique symbol = Symbol('weft.expr.miss');

export type FastPath = (scope: object) => unknown;

/** Step fields that leave a name step a plain property read. */
const PLAIN_STEP_KEYS = new Set(['type', 'value', 'position']);

/** The names of `ast` when it is a plain dotted path of names (`a.b.c`), else undefined. */
export function plainPath(ast: AstNode): string[] | undefined {
  if (ast.type !== 'path' || ast.keepSingletonArray === true || ast.group !== undefined)
    return undefined;
  const names: string[] = [];
  for (const step of ast.steps ?? []) {
    if (step.type !== 'name' || typeof step.value !== 'string') return undefined;
    if (!Object.keys(step).every((key) => PLAIN_STEP_KEYS.has(key))) return undefined;
    names.push(step.value);
  }
  return names.length === 0 ? undefined : names;
}

/** A direct reader of `names`, answering {@link MISS} where jsonata's semantics differ. */
export function fastPath(names: readonly string[]): FastPath {
  const [first, ...rest] = names as [string, ...string[]];
  return (scope) => {
    let value = (scope as Record<string, unknown>)[first];
    // Data that did not come through toScopeValue may hold functions or inherited members: the
    // full evaluation copies it first.
    if (!isScopeValue(value)) return MISS;
    for (const name of rest) {
      if (value === null || typeof value !== 'object') return undefined;
      if (Array.isArray(value)) return MISS;
      value = (value as Record<string, unknown>)[name];
    }
    return Array.isArray(value) ? MISS : value;
  };
}
