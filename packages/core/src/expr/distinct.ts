/**
 * @module expr/distinct
 * `$distinct` in linear time. jsonata 1.8 compares each value with every value kept so far, deep
 * (quadratic: 100,000 distinct values take seconds of one native call). Here each value is keyed
 * by a canonical text instead, with the same equality (deep, object key order ignored) and the
 * same result (first occurrences, in order; a sequence stays a sequence).
 */
import { COST, charge } from './limits.js';
import { checkSerialisable } from './measure.js';

type Sequence = unknown[] & { sequence?: boolean };

/** Functions are equal only to themselves: each gets a number of its own. */
const functionIds = new WeakMap<object, number>();
let nextFunctionId = 0;

function canonical(value: unknown): string {
  if (typeof value === 'function') {
    let id = functionIds.get(value);
    if (id === undefined) functionIds.set(value, (id = nextFunctionId++));
    return `f${id}`;
  }
  if (value === undefined) return 'u';
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(',')}}`;
}

export function distinct(arr: unknown): unknown {
  if (!Array.isArray(arr) || arr.length <= 1) return arr;
  // The keys are as long as the values' JSON: measured (and charged) before they are built.
  checkSerialisable(arr, '$distinct');
  charge(arr.length * COST.item, '$distinct');
  const result: Sequence = [];
  if ((arr as Sequence).sequence === true) result.sequence = true;
  // Primitives are their own keys (a Set tells "1" from 1); objects and arrays are keyed by text.
  const primitives = new Set<unknown>();
  const structures = new Set<string>();
  for (const value of arr as unknown[]) {
    if (typeof value === 'object' && value !== null) {
      const key = canonical(value);
      if (structures.has(key)) continue;
      structures.add(key);
    } else {
      if (primitives.has(value)) continue;
      primitives.add(value);
    }
    result.push(value);
  }
  return result;
}
