/**
 * @module expr/costly
 * What each builtin costs, charged before it runs (see ./limits.ts). A builtin runs natively in
 * one call, between two of the evaluation hooks that watch the clock: its work is therefore sized
 * from its arguments first, and a result too big to build is refused before it is built.
 * Functions that call back into the expression (`$map`, `$sort` with a comparator...) are charged
 * for their own loop only: each callback is an evaluation step, bounded by the hooks.
 */
import {
  COST,
  MAX_ARRAY_LENGTH,
  MAX_STRING_LENGTH,
  charge,
  checkCount,
  checkLength,
} from './limits.js';
import { checkSerialisable } from './measure.js';

type Args = unknown[];
type Check = (args: Args, name: string) => void;

const lengthOf = (value: unknown): number =>
  typeof value === 'string' || Array.isArray(value) ? value.length : 0;

const isRegex = (value: unknown): boolean =>
  typeof value === 'function' || typeof value === 'object';

/** Work proportional to the size of the first argument, at `unit` per character or item. */
const linear =
  (unit: number): Check =>
  (args, name) =>
    charge(COST.call + lengthOf(args[0]) * unit, name);

/** Counts `token` in `text`, stopping once past `cap`; charged per occurrence. */
function occurrences(text: string, token: string, cap: number, name: string): number {
  if (token.length === 0) return text.length;
  let count = 0;
  for (
    let at = text.indexOf(token);
    at !== -1 && count <= cap;
    at = text.indexOf(token, at + token.length)
  ) {
    count++;
  }
  charge(count * COST.item, name);
  return count;
}

function join([strings, separator]: Args, name: string): void {
  if (!Array.isArray(strings)) return;
  let total =
    typeof separator === 'string' ? separator.length * Math.max(0, strings.length - 1) : 0;
  for (const item of strings as unknown[]) total += lengthOf(item);
  checkLength(total, name);
  charge(COST.call + strings.length * COST.item + total * COST.char, name);
}

function pad([text, width, filler]: Args, name: string): void {
  const target = typeof width === 'number' ? Math.abs(width) : 0;
  checkLength(target, name);
  // jsonata joins an array of `target` fillers, then cuts it down to size.
  const fill = typeof filler === 'string' && filler.length > 0 ? filler.length : 1;
  checkLength(target * fill, name);
  charge(COST.call + lengthOf(text) * COST.item + target * fill * COST.char, name);
}

function replace([text, pattern, replacement, limit]: Args, name: string): void {
  if (typeof text !== 'string') return;
  charge(COST.call + text.length * COST.char, name);
  if (typeof replacement !== 'string' || isRegex(pattern)) return; // metered per match
  if (typeof pattern !== 'string') return;
  const cap = typeof limit === 'number' ? limit : MAX_STRING_LENGTH;
  // Every occurrence is one turn of jsonata's loop, and adds the replacement's length.
  const count = Math.min(cap, occurrences(text, pattern, cap, name));
  checkLength(text.length + count * (replacement.length - pattern.length), name);
  charge(count * (COST.item + replacement.length * COST.char), name);
}

function split([text, separator, limit]: Args, name: string): void {
  if (typeof text !== 'string') return;
  charge(COST.call + text.length * COST.char, name);
  if (typeof separator !== 'string') return; // a regex: metered per match
  const cap = typeof limit === 'number' ? Math.min(limit, MAX_ARRAY_LENGTH) : MAX_ARRAY_LENGTH;
  const parts = occurrences(text, separator, cap, name) + 1;
  checkCount(Math.min(parts, typeof limit === 'number' ? limit : parts), name);
  charge(parts * COST.item, name);
}

function append([first, second]: Args, name: string): void {
  const count =
    (Array.isArray(first) ? first.length : 1) + (Array.isArray(second) ? second.length : 1);
  checkCount(count, name);
  charge(COST.call + count * COST.item, name);
}

function zip(args: Args, name: string): void {
  const shortest = Math.min(...args.map(lengthOf));
  checkCount(shortest, name);
  charge(COST.call + shortest * (COST.value + args.length * COST.item), name);
}

function sort([items, comparator]: Args, name: string): void {
  const n = lengthOf(items);
  // A merge sort: n log n comparisons, each a step of jsonata's own code; a comparator of the
  // expression's is an evaluation of its own, bounded by the hooks.
  const unit = comparator === undefined ? COST.value : COST.item;
  charge(COST.call + n * Math.ceil(Math.log2(n + 1)) * unit, name);
}

/** Serialises its first argument (`$string`, `$clone`), or only checks its size. */
function serialises([value]: Args, name: string): void {
  charge(COST.call, name);
  if (typeof value === 'object' && value !== null) checkSerialisable(value, name);
  else if (typeof value === 'string') charge(value.length * COST.char, name);
}

/** Text functions whose output is at most `growth` times their input. */
const text =
  (growth: number, unit: number = COST.char): Check =>
  ([value], name) => {
    const n = lengthOf(value);
    checkLength(n * growth, name);
    charge(COST.call + n * unit, name);
  };

/**
 * Checks per builtin. jsonata's string functions split their input into code points (one array
 * item per character) hence `COST.item` per character; `$uppercase` can grow a string (ß -> SS)
 * and is checked after it runs, like every value (see ./sandbox.ts).
 */
export const CHECKS: Readonly<Record<string, Check>> = {
  string: serialises,
  clone: serialises,
  pad,
  join,
  replace,
  split,
  append,
  zip,
  sort,
  length: linear(COST.item),
  substring: linear(COST.item),
  substringBefore: linear(COST.char),
  substringAfter: linear(COST.char),
  lowercase: linear(COST.char),
  uppercase: linear(COST.char),
  trim: linear(COST.char),
  contains: linear(COST.char),
  match: linear(COST.char),
  base64encode: text(2),
  base64decode: linear(COST.char),
  encodeUrl: text(3),
  encodeUrlComponent: text(3),
  decodeUrl: linear(COST.char),
  decodeUrlComponent: linear(COST.char),
  formatNumber: ([, picture], name) => charge(COST.call + lengthOf(picture) * COST.item, name),
  parseInteger: ([value, picture], name) =>
    charge(COST.call + (lengthOf(value) + lengthOf(picture)) * COST.item, name),
  toMillis: ([value, picture], name) =>
    charge(COST.call + (lengthOf(value) + lengthOf(picture)) * COST.item, name),
  count: linear(COST.item),
  sum: linear(COST.item),
  max: linear(COST.item),
  min: linear(COST.item),
  average: linear(COST.item),
  boolean: linear(COST.item),
  not: linear(COST.item),
  reverse: linear(COST.item),
  shuffle: linear(COST.item),
  map: linear(COST.item),
  filter: linear(COST.item),
  reduce: linear(COST.item),
  single: linear(COST.item),
  keys: linear(COST.item),
  lookup: linear(COST.item),
  spread: linear(COST.item),
  merge: linear(COST.item),
};

/** The per-call charge of a builtin without a size-dependent cost. */
export const chargeCall: Check = (_args, name) => charge(COST.call, name);

type Implementation = (this: unknown, ...args: unknown[]) => unknown;

/**
 * `implementation` with the checks of builtin `name` run first. The wrapper keeps the original's
 * `length` and source text: jsonata reads a native function's arity from the one and its
 * parameter names from the other (partial application, `$map` callbacks).
 */
export function withCost(name: string, implementation: Implementation): Implementation {
  const check = CHECKS[name] ?? chargeCall;
  const label = `$${name}`;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    check(args, label);
    return implementation.apply(this, args);
  };
  Object.defineProperty(wrapper, 'length', { value: implementation.length });
  const source = implementation.toString();
  Object.defineProperty(wrapper, 'toString', { value: () => source });
  return wrapper;
}
