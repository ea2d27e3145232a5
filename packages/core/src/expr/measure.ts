/**
 * @module expr/measure
 * How long a value's JSON text would be, found without building it. Values an expression builds
 * share structure (`[$a, $a, $a]` holds one array three times), so a value of modest heap size
 * can stand for a text of billions of characters; serialising it (`$string`, `&`, a template, the
 * result leaving the core) would block the event loop, then exhaust memory. The walk stops as soon
 * as the bound is passed and charges its own work, so measuring is bounded too.
 */
import { isScopeValue } from './scope.js';
import { COST, MAX_JSON_LENGTH, charge, limitError } from './limits.js';

/** Sizes of scope values (deep-frozen, so their size never changes), measured once. */
const scopeSizes = new WeakMap<object, Size>();

/** An estimate of a number's text; exact lengths are not worth a conversion per number. */
const NUMBER_LENGTH = 8;

/** A value's JSON length, and how many values (a shared one counted each time) it holds. */
interface Size {
  length: number;
  values: number;
}

class Walk {
  /** Sizes of the objects this walk has met, so a shared one is visited once. */
  private readonly seen = new Map<object, Size>();
  /** Objects and items actually visited: the walk's own work. */
  visited = 0;
  /** Values the text stands for: the work of whatever serialises or compares it. */
  values = 0;

  constructor(private readonly cap: number) {}

  length(value: unknown): number {
    this.values++;
    switch (typeof value) {
      case 'string':
        // Escapes can lengthen a string up to 6 times; callers check the text once built.
        return value.length + 2;
      case 'number':
        return NUMBER_LENGTH;
      case 'boolean':
        return value ? 4 : 5;
      case 'object':
        return value === null ? 4 : this.object(value);
      default:
        // Functions and undefined are left out (or become `null`/`""`): at most a few characters.
        return 4;
    }
  }

  private object(value: object): number {
    const known = this.seen.get(value) ?? scopeSizes.get(value);
    if (known !== undefined) {
      this.values += known.values;
      return known.length;
    }
    const valuesBefore = this.values;
    this.visited++;
    let total = 2;
    if (Array.isArray(value)) {
      this.visited += value.length;
      for (const item of value as unknown[]) {
        total += this.length(item) + 1;
        if (total > this.cap) return total;
      }
    } else {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      this.visited += keys.length;
      for (const key of keys) {
        total += key.length + 4 + this.length(record[key]);
        if (total > this.cap) return total;
      }
    }
    const size = { length: total, values: this.values - valuesBefore };
    this.seen.set(value, size);
    if (isScopeValue(value)) scopeSizes.set(value, size);
    return total;
  }
}

/**
 * The approximate length of `JSON.stringify(value)` (a number above `cap` once it is known to be
 * longer) and the number of values it holds. Charges the walk's work.
 */
export function sizeOf(value: unknown, what: string, cap = MAX_JSON_LENGTH): Size {
  const walk = new Walk(cap);
  const length = walk.length(value);
  if (walk.visited > 0) charge(walk.visited * COST.item, what);
  return { length, values: walk.values };
}

/**
 * Refuses to serialise (or deep-compare) `value` when its JSON text would pass the limit;
 * otherwise charges the work: `perValue` units per value it holds, and its characters.
 * @throws WeftError `expression_limit`
 */
export function checkSerialisable(
  value: unknown,
  what: string,
  perValue: number = COST.value,
): void {
  const { length, values } = sizeOf(value, what);
  if (length > MAX_JSON_LENGTH) {
    throw limitError(
      `${what} would be more than ${MAX_JSON_LENGTH} characters of JSON; the limit is ${MAX_JSON_LENGTH}`,
      { limit: 'json_length', max: MAX_JSON_LENGTH },
    );
  }
  charge(values * perValue + length * COST.char, what);
}
