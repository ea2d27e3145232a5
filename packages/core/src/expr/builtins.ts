/**
 * @module expr/builtins
 * Which functions an expression may call, and safe replacements for the jsonata 1.8 builtins
 * that read keys chosen at run time or enumerate objects (`$lookup($, 'constr' & 'uctor')`),
 * that compile code (`$eval`) or that read the clock.
 */
import jsonata from 'jsonata';
import { WeftError } from '../errors.js';
import { withCost } from './costly.js';
import { distinct } from './distinct.js';
import { FORBIDDEN_KEYS, MAGIC_KEYS, adopt, forbidden, isFunctionLike } from './guards.js';
import { isIsoTimestamp, withLinearRegExp } from './regex.js';

/** Every function jsonata 1.8.7 binds (`now` and `millis` are bound per expression). */
// prettier-ignore
export const JSONATA_FUNCTIONS = [
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore',
  'substringAfter', 'lowercase', 'uppercase', 'length', 'trim', 'pad', 'match', 'contains',
  'replace', 'split', 'join', 'formatNumber', 'formatBase', 'formatInteger', 'parseInteger',
  'number', 'floor', 'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map',
  'zip', 'filter', 'single', 'reduce', 'sift', 'keys', 'lookup', 'append', 'exists', 'spread',
  'merge', 'reverse', 'each', 'error', 'assert', 'type', 'sort', 'shuffle', 'distinct',
  'base64encode', 'base64decode', 'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent',
  'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone',
] as const;

/** Names an expression may call without binding them itself. `$eval` would run unchecked code. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set(
  [...JSONATA_FUNCTIONS, 'now', 'millis'].filter((name) => name !== 'eval'),
);

/** The epoch ms `$now()`, `$millis()` and `$toMillis()` see; set for each evaluation. */
export const clock = { now: 0 };

interface Focus {
  environment: unknown;
  input: unknown;
}
type Callback = ((...args: unknown[]) => Generator<unknown, unknown, unknown>) & {
  arity?: number;
  length: number;
};
type Sequence = unknown[] & { sequence?: boolean };

interface FunctionDefinition {
  implementation: (this: unknown, ...args: unknown[]) => unknown;
  signature?: unknown;
}

const builtin = (name: string): FunctionDefinition =>
  jsonata(`$${name}`).evaluate(null) as FunctionDefinition;

const originalFromMillis = builtin('fromMillis').implementation;
const originalToMillis = builtin('toMillis').implementation;
const effectiveBoolean = builtin('boolean').implementation;

// jsonata's own builtins are shared definitions: adopting them once marks them callable and
// hides their raw implementation from `*`/`**`.
const originals = jsonata(`[${JSONATA_FUNCTIONS.map((n) => `$${n}`).join(', ')}]`).evaluate(
  null,
) as FunctionDefinition[];
for (const definition of originals) adopt(definition);

function sequence(): Sequence {
  const result: Sequence = [];
  result.sequence = true;
  return result;
}

/** Sets a key as an own property, even `__proto__`, which plain assignment would treat as the prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

function refuseFunction(value: unknown, name: string): void {
  if (isFunctionLike(value)) throw forbidden(`${name} cannot be applied to a function`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** The arguments jsonata passes to a higher-order callback, trimmed to the callback's arity. */
function callbackArgs(func: Callback, value: unknown, key: string, object: unknown): unknown[] {
  const arity = typeof func.arity === 'number' ? func.arity : func.length;
  return arity >= 3 ? [value, key, object] : arity >= 2 ? [value, key] : [value];
}

// The parameter lists below stay plain: jsonata reads a native function's parameter names from
// its source text when it is partially applied (`$lookup(?, 'a')`).

function lookup(input: unknown, key: string): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw forbidden(`$lookup cannot read "${key}"`, { key });
  if (Array.isArray(input)) {
    const result = sequence();
    for (const item of input) {
      const found = lookup(item, key);
      if (Array.isArray(found)) result.push(...(found as unknown[]));
      else if (found !== undefined) result.push(found);
    }
    return result;
  }
  refuseFunction(input, '$lookup');
  // Own keys only: what is inherited is never data.
  return isObject(input) && Object.hasOwn(input, key) ? input[key] : undefined;
}

function keys(arg: unknown): Sequence {
  const result = sequence();
  if (Array.isArray(arg)) {
    const merged: Record<string, true> = Object.create(null) as Record<string, true>;
    for (const item of arg) for (const key of keys(item)) merged[key as string] = true;
    result.push(...Object.keys(merged));
  } else {
    refuseFunction(arg, '$keys');
    if (isObject(arg)) result.push(...Object.keys(arg));
  }
  return result;
}

function spread(arg: unknown): unknown {
  if (Array.isArray(arg)) {
    // jsonata appends with concat, which yields a plain array (not a sequence) after the first item.
    let result: unknown[] = sequence();
    for (const item of arg) {
      const part = spread(item);
      if (part !== undefined) result = result.concat(Array.isArray(part) ? part : [part]);
    }
    return result;
  }
  refuseFunction(arg, '$spread');
  if (!isObject(arg)) return arg;
  const result = sequence();
  for (const key of Object.keys(arg)) {
    const single: Record<string, unknown> = {};
    define(single, key, arg[key]);
    result.push(single);
  }
  return result;
}

function merge(arg: unknown): unknown {
  if (arg === undefined) return undefined;
  const result: Record<string, unknown> = {};
  for (const item of Array.isArray(arg) ? arg : [arg]) {
    refuseFunction(item, '$merge');
    if (!isObject(item)) continue;
    for (const key of Object.keys(item)) {
      if (MAGIC_KEYS.has(key)) throw forbidden(`$merge cannot copy "${key}"`, { key });
      define(result, key, item[key]);
    }
  }
  return result;
}

function* each(this: Focus, obj: unknown, func: Callback): Generator<unknown, unknown, unknown> {
  refuseFunction(obj, '$each');
  const result = sequence();
  if (!isObject(obj)) return result;
  for (const key of Object.keys(obj)) {
    const value = yield* func.apply(this, callbackArgs(func, obj[key], key, obj));
    if (value !== undefined) result.push(value);
  }
  return result;
}

function* sift(this: Focus, arg: unknown, func: Callback): Generator<unknown, unknown, unknown> {
  refuseFunction(arg, '$sift');
  if (!isObject(arg)) return undefined;
  const result: Record<string, unknown> = {};
  let kept = false;
  for (const key of Object.keys(arg)) {
    const entry = arg[key];
    const keep = yield* func.apply(this, callbackArgs(func, entry, key, arg));
    if (effectiveBoolean(keep) === true) {
      define(result, key, entry);
      kept = true;
    }
  }
  return kept ? result : undefined;
}

function refuseEval(): never {
  throw forbidden('$eval is not available: it would evaluate an unchecked expression');
}

function now(this: Focus, picture: unknown, timezone: unknown): unknown {
  return originalFromMillis.call(this, clock.now, picture, timezone);
}

function millis(): number {
  return clock.now;
}

function toMillis(this: Focus, timestamp: unknown, picture: unknown): unknown {
  // A picture that leaves out the date defaults it from the evaluation's timestamp.
  const focus = { environment: { timestamp: new Date(clock.now) }, input: this.input };
  if (picture === undefined) {
    // jsonata's ISO check backtracks: it only sees what the linear engine has accepted.
    if (typeof timestamp === 'string' && !isIsoTimestamp(timestamp)) {
      throw new WeftError(
        'expression_error',
        `The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given ${JSON.stringify(timestamp.slice(0, 100))}`,
        { details: { code: 'D3110' } },
      );
    }
    return originalToMillis.call(focus, timestamp, picture);
  }
  return withLinearRegExp(() => originalToMillis.call(focus, timestamp, picture));
}

const REPLACEMENTS: Record<string, [(this: Focus, ...args: never[]) => unknown, string]> = {
  lookup: [lookup, '<x-s:x>'],
  keys: [keys, '<x-:a<s>>'],
  spread: [spread, '<x-:a<o>>'],
  merge: [merge, '<a<o>:o>'],
  each: [each, '<o-f:a>'],
  sift: [sift, '<o-f?:o>'],
  eval: [refuseEval, '<sx?:x>'],
  now: [now, '<s?s?:s>'],
  millis: [millis, '<:n>'],
  toMillis: [toMillis, '<s-s?:n>'],
  distinct: [distinct, '<x:x>'],
};

/**
 * Replacement definitions, built once (signature parsing is not free) and shared by every
 * expression: the safe replacements, and every other builtin behind its cost check.
 */
const replacementDefinitions: [string, unknown][] = (() => {
  const names = Object.keys(REPLACEMENTS);
  const factory = jsonata(`[${names.map((n) => `$${n}`).join(', ')}]`);
  for (const [name, [implementation, signature]] of Object.entries(REPLACEMENTS)) {
    const costed = withCost(name, implementation as FunctionDefinition['implementation']);
    factory.registerFunction(name, costed, signature);
  }
  const definitions = factory.evaluate(null) as unknown[];
  const bound: [string, unknown][] = names.map((name, i) => [name, definitions[i]]);
  JSONATA_FUNCTIONS.forEach((name, i) => {
    const original = originals[i];
    if (name in REPLACEMENTS || original === undefined) return;
    bound.push([
      name,
      {
        _jsonata_function: true,
        implementation: withCost(name, original.implementation),
        signature: original.signature,
      },
    ]);
  });
  for (const [, definition] of bound) adopt(definition);
  return bound;
})();

/** Binds the safe replacements in one compiled jsonata expression, shadowing the originals. */
export function installReplacements(expression: jsonata.Expression): void {
  for (const [name, definition] of replacementDefinitions) expression.assign(name, definition);
}
