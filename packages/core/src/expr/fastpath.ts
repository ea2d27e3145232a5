/**
 * @module expr/fastpath
 * Most expressions in a workflow are plain references (`classify.label`, `inputs.user.id`) or
 * simple conditions over them (`classify.label = 'spam' and inputs.score > 0.5`). jsonata
 * evaluates those through generators, sequences and two hooks per node; reading the properties
 * and comparing directly is one to two orders of magnitude cheaper. The direct evaluator
 * answers only where it gives jsonata's result (non-array objects along paths, primitive
 * operands) and says {@link MISS} otherwise, and the caller falls back to jsonata.
 */
import type { AstNode } from './ast.js';
import { isScopeValue } from './scope.js';

/** Returned when the direct evaluation cannot vouch for jsonata's result. */
export const MISS: unique symbol = Symbol('weft.expr.miss');

export type FastPath = (scope: object) => unknown;

/** Step fields that leave a name step a plain property read. */
const PLAIN_STEP_KEYS = new Set(['type', 'value', 'position']);
const PLAIN_BINARY_KEYS = new Set(['type', 'value', 'position', 'lhs', 'rhs']);
const PLAIN_PATH_KEYS = new Set(['type', 'steps']);

const hasOnly = (node: AstNode, keys: ReadonlySet<string>) =>
  Object.keys(node).every((key) => keys.has(key));

/** The names of `ast` when it is a plain dotted path of names (`a.b.c`), else undefined. */
export function plainPath(ast: AstNode): string[] | undefined {
  if (ast.type !== 'path' || !hasOnly(ast, PLAIN_PATH_KEYS)) return undefined;
  const names: string[] = [];
  for (const step of ast.steps ?? []) {
    if (step.type !== 'name' || typeof step.value !== 'string') return undefined;
    if (!hasOnly(step, PLAIN_STEP_KEYS)) return undefined;
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

/**
 * A direct evaluator for `ast` when it is built only of plain paths, literals, comparisons and
 * `and`/`or`; undefined otherwise.
 */
export function compileDirect(ast: AstNode): FastPath | undefined {
  const names = plainPath(ast);
  if (names !== undefined) return fastPath(names);
  switch (ast.type) {
    case 'string':
    case 'number':
    case 'value': {
      if (!hasOnly(ast, PLAIN_STEP_KEYS)) return undefined;
      const value = ast.value;
      return () => value;
    }
    case 'binary':
      return hasOnly(ast, PLAIN_BINARY_KEYS) ? binary(ast) : undefined;
    default:
      return undefined;
  }
}

function binary(ast: AstNode): FastPath | undefined {
  if (ast.lhs === undefined || Array.isArray(ast.lhs) || ast.rhs === undefined) return undefined;
  const left = compileDirect(ast.lhs);
  const right = compileDirect(ast.rhs);
  if (left === undefined || right === undefined) return undefined;
  switch (ast.value) {
    case 'and':
      return (scope) => {
        const l = truth(left(scope));
        if (l !== true) return l;
        return truth(right(scope));
      };
    case 'or':
      return (scope) => {
        const l = truth(left(scope));
        if (l !== false) return l;
        return truth(right(scope));
      };
    case '=':
    case '!=': {
      const negate = ast.value === '!=';
      return (scope) => {
        const l = left(scope);
        if (l === MISS) return MISS;
        const r = right(scope);
        if (r === MISS) return MISS;
        if (l === undefined || r === undefined) return false;
        // Objects compare deeply in jsonata: leave them to it.
        if (typeof l === 'object' && l !== null) return MISS;
        if (typeof r === 'object' && r !== null) return MISS;
        return (l === r) !== negate;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return comparison(ast.value, left, right);
    default:
      return undefined;
  }
}

/** jsonata's effective boolean of a primitive (`undefined` counts as false); MISS otherwise. */
function truth(value: unknown): boolean | typeof MISS {
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return Number.isFinite(value) ? value !== 0 : MISS;
    case 'undefined':
      return false;
    case 'object':
      return value === null ? false : MISS;
    case 'bigint':
    case 'function':
    case 'symbol':
      return MISS;
  }
}

function comparison(op: string, left: FastPath, right: FastPath): FastPath {
  return (scope) => {
    const l = left(scope);
    if (l === MISS) return MISS;
    const r = right(scope);
    if (r === MISS) return MISS;
    const lt = typeof l;
    const rt = typeof r;
    // Anything but two numbers, two strings or a missing side is a type error jsonata reports.
    if (lt !== 'undefined' && lt !== 'string' && lt !== 'number') return MISS;
    if (rt !== 'undefined' && rt !== 'string' && rt !== 'number') return MISS;
    if (lt === 'undefined' || rt === 'undefined') return undefined;
    if (lt !== rt) return MISS;
    const a = l as string | number;
    const b = r as string | number;
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  };
}
