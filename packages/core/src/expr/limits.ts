/**
 * @module expr/limits
 * Size and work bounds of one evaluation. jsonata's builtins and operators run natively, in one
 * call, whatever their input: a string doubled in a loop reaches V8's maximum string length (a
 * fatal error, not an exception), `$distinct` is quadratic, a regex runs over 16 M characters.
 * Every such operation is sized before it runs: too big is an `expression_limit` error, and an
 * operation whose worst case would overrun the remaining time budget is refused up front rather
 * than noticed after it has blocked the event loop.
 */
import { WeftError } from '../errors.js';

/**
 * Longest string an expression may build, in UTF-16 code units: four times the 4 MiB node
 * output limit (SPEC section 10), so a string that could still become a valid output after
 * trimming is never refused here, while nothing is allowed near V8's fatal length (~2^29).
 */
export const MAX_STRING_LENGTH = 16 * 1024 * 1024;

/** Most items an array or sequence may hold: 1 M values is already ≥ 4 MiB of JSON. */
export const MAX_ARRAY_LENGTH = 1024 * 1024;

/**
 * Largest JSON text (in characters) an expression's result, or a value it serialises (`$string`,
 * `&`), may stand for. Values share structure, so a small heap can stand for a huge text.
 */
export const MAX_JSON_LENGTH = MAX_STRING_LENGTH;

/**
 * Work units per ms of time budget. One unit is about a nanosecond of native work on a slow core
 * (a character copied or compared, a tenth of a value visited); the 100 ms default budget is
 * thus 100 M units. Units make the refusal of a big operation deterministic: the same
 * expression on the same data is refused on every machine and every replay.
 */
export const UNITS_PER_MS = 1_000_000;

/** Costs, in units, of the elementary steps the builtins are charged for. */
export const COST = {
  /** One character copied, scanned or compared natively. */
  char: 1,
  /** One value visited by native code (an array item, an object key), or one comparison. */
  item: 10,
  /**
   * One value handled by jsonata's JavaScript: serialised through `$string`'s replacer, built as
   * a `$zip` tuple, compared by its merge sort.
   */
  value: 100,
  /** One call of a builtin: argument validation and the call itself. */
  call: 200,
  /** One character × one instruction of a regex program, in re2js's NFA (measured ~15 ns). */
  regex: 15,
} as const;

/** An operation whose worst case is at least this many units also looks at the clock. */
const PREDICT_FROM = 1_000_000;

/** The work meter of the running evaluation (evaluations are synchronous, never re-entered). */
export const meter = {
  used: 0,
  budget: Number.POSITIVE_INFINITY,
  /** `performance.now()` at which the evaluation's time budget ends. */
  deadline: Number.POSITIVE_INFINITY,
};

/** The error for anything too big. */
export function limitError(message: string, details: Record<string, unknown>): WeftError {
  return new WeftError('expression_limit', message, { details });
}

/**
 * Charges `units` of work for the operation `what` before it runs.
 * @throws WeftError `expression_limit` when the work budget would be exceeded;
 *   `expression_timeout` when the operation would, at the worst rate, outlast the time left
 */
export function charge(units: number, what: string): void {
  meter.used += units;
  if (meter.used > meter.budget) {
    throw limitError(`${what} needs more work than the expression's budget allows`, {
      limit: 'work',
      units: Math.round(units),
      budget_units: meter.budget,
    });
  }
  if (units >= PREDICT_FROM) predict(units, what);
}

/**
 * Refuses an operation whose worst case (`units`) would outlast the remaining time, without
 * charging it: for work (a regex scan) that is usually far below its worst case. This is the
 * time limit applied before the fact, hence `expression_timeout`.
 */
export function predict(units: number, what: string): void {
  // Worse than the whole budget: refused on any machine, like work charged.
  if (units > meter.budget) {
    throw limitError(`${what} could need more work than the expression's budget allows`, {
      limit: 'work',
      units: Math.round(units),
      budget_units: meter.budget,
    });
  }
  if (performance.now() + units / UNITS_PER_MS > meter.deadline) {
    throw new WeftError(
      'expression_timeout',
      `${what} could run past the expression's time limit; refused before it started`,
      { details: { limit: 'time', units: Math.round(units) } },
    );
  }
}

/** Refuses a string of `length` code units before it is built. */
export function checkLength(length: number, what: string): void {
  if (length > MAX_STRING_LENGTH) {
    throw limitError(
      `${what} would be ${length} characters long; the limit is ${MAX_STRING_LENGTH}`,
      {
        limit: 'string_length',
        max: MAX_STRING_LENGTH,
      },
    );
  }
}

/** Refuses an array of `count` items before it is built. */
export function checkCount(count: number, what: string): void {
  if (count > MAX_ARRAY_LENGTH) {
    throw limitError(`${what} would hold ${count} items; the limit is ${MAX_ARRAY_LENGTH}`, {
      limit: 'array_length',
      max: MAX_ARRAY_LENGTH,
    });
  }
}
