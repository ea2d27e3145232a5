/**
 * @module expr/scope
 * The data boundary of expressions: what goes in (frozen, null-prototype copies of JSON data)
 * and what comes out (plain JSON).
 */
import { WeftError } from '../errors.js';
import { MAGIC_KEYS } from './guards.js';

/** Values built by {@link toScopeValue}: immutable, so they are shared rather than copied again. */
const scopeValues = new WeakSet<object>();

/** True for a value {@link toScopeValue} produced (or a primitive, which needs no copy). */
export function isScopeValue(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value === 'object') return scopeValues.has(value);
  return typeof value !== 'function';
}

/**
 * Deep copy of JSON data into null-prototype, frozen objects and frozen arrays: how node outputs
 * and inputs enter the scope. Follows `JSON.stringify`: `toJSON` is honoured, functions, symbols
 * and `undefined` are dropped from objects and become `null` in arrays, non-finite numbers become
 * `null`. Keys jsonata takes as the mark of its own functions (`_jsonata_lambda`,
 * `_jsonata_function`) are dropped, so data can never be called. A value it already produced is
 * returned as is.
 * @throws WeftError `invalid_value` for a cycle or a BigInt
 */
export function toScopeValue(value: unknown): unknown {
  return copyIn(value, '', new Set());
}

function copyIn(value: unknown, key: string, ancestors: Set<object>): unknown {
  if (typeof value === 'object' && value !== null) {
    if (scopeValues.has(value)) return value;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return copyData(toJSON.call(value, key), key, ancestors);
  }
  return copyData(value, key, ancestors);
}

function copyData(value: unknown, key: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new WeftError('invalid_value', `a BigInt (at "${key}") is not JSON data`);
    case 'object':
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
  }
  if (value === null) return null;
  if (scopeValues.has(value)) return value;
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return copyData(value.valueOf(), key, ancestors);
  }
  if (ancestors.has(value)) throw new WeftError('invalid_value', `cyclic data (at "${key}")`);
  ancestors.add(value);
  let copy: object;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyIn(value[i], String(i), ancestors);
      items[i] = item === undefined ? null : item;
    }
    copy = items;
  } else {
    const entries = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(value)) {
      if (MAGIC_KEYS.has(k)) continue;
      const item = copyIn((value as Record<string, unknown>)[k], k, ancestors);
      if (item !== undefined) entries[k] = item;
    }
    copy = entries;
  }
  ancestors.delete(value);
  Object.freeze(copy);
  scopeValues.add(copy);
  return copy;
}

/**
 * The result of an evaluation as plain JSON: sequences become plain arrays, null-prototype
 * objects plain objects; `undefined` stays `undefined` at the top and becomes `null` in arrays.
 * @throws WeftError `expression_error` when the value holds a function
 */
export function toPlainJson(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new WeftError('expression_error', `a ${typeof value} is not a JSON value`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = toPlainJson(value[i]);
      items[i] = item === undefined ? null : item;
    }
    return items;
  }
  const v = value as Record<string, unknown>;
  if (v['_jsonata_lambda'] === true || v['_jsonata_function'] === true) {
    throw new WeftError('expression_error', 'a function is not a JSON value');
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const item = toPlainJson(v[key]);
    if (item === undefined) continue;
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[key] = item;
    }
  }
  return out;
}

/** Whether the prototype chain of `scope` ends without reaching `Object.prototype`. */
function isNullChain(scope: object): boolean {
  for (
    let p = Object.getPrototypeOf(scope) as object | null;
    p !== null;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    if (p === Object.prototype) return false;
  }
  return true;
}

/**
 * The document an expression is evaluated against. A null-prototype scope (the engine's frames
 * chain them by prototype) whose read entries are scope values is used as is; otherwise its
 * entries are copied into a null-prototype object, through {@link toScopeValue}. An expression
 * reading the whole root gets a flat copy, since `*`, `$keys`... see only own keys.
 */
export function scopeRoot(scope: object, roots: readonly string[], whole: boolean): object {
  if (!whole && isNullChain(scope)) {
    const entries = scope as Record<string, unknown>;
    let clean = true;
    for (const name of roots) clean &&= isScopeValue(entries[name]);
    if (clean) return scope;
  }
  const root = Object.create(null) as Record<string, unknown>;
  for (const name in scope) {
    const entry = toScopeValue((scope as Record<string, unknown>)[name]);
    if (entry !== undefined) root[name] = entry;
  }
  return root;
}
