/**
 * @module runtime/stored-json
 * What a node hands its run — its output, its progress data and messages, the details of its
 * error — as it will be stored and read back: JSON within the size and nesting limits (SPEC
 * section 10). Checked where the value enters the run, so that nothing after it (the scope, the
 * expressions, the store) walks a value deep enough to exhaust the stack.
 */
import { scanJsonDepth, WeftError } from '@weft/core';

export interface ValueLimits {
  /** Bytes of JSON. */
  maxBytes: number;
  /** Levels of arrays and objects. */
  maxDepth: number;
}

/**
 * The value as JSON data: `undefined` is `null`, non-finite numbers are `null`, `-0` is `0`,
 * `toJSON` applies.
 * @param what - names the value in errors, e.g. `output of fetch`
 * @throws WeftError `output_too_large` (too many bytes, or nested too deep), `invalid_value`
 *   (a cycle, a BigInt, a getter that throws)
 */
export function toStoredJson(value: unknown, limits: ValueLimits, what: string): unknown {
  if (value === undefined || value === null) return null;
  // As JSON reads it back: -0 is 0.
  if (typeof value === 'number') return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && value.length * 3 <= limits.maxBytes) return value;
  const json = stringify(value, limits, what);
  if (json === undefined) return null;
  if (json.length > limits.maxBytes && Buffer.byteLength(json) > limits.maxBytes) {
    throw tooLarge(what, `is ${Buffer.byteLength(json)} bytes`, limits);
  }
  // A text shorter than twice the limit cannot nest deeper than it. The scan is iterative: the
  // text was made, but a walk over the value it stands for could still overflow.
  if (json.length > 2 * limits.maxDepth && scanJsonDepth(json, limits.maxDepth) !== -1) {
    throw tooDeep(what, limits);
  }
  return JSON.parse(json) as unknown;
}

function stringify(value: unknown, limits: ValueLimits, what: string): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (e) {
    // JSON.stringify recurses: a value nested deep enough exhausts the stack (a RangeError, which
    // leaves the process as it was), as does a text longer than a string may be.
    if (e instanceof RangeError) {
      throw /call stack/i.test(e.message)
        ? tooDeep(what, limits, 'nests too deeply to be written as JSON')
        : tooLarge(what, 'is too long for a string', limits);
    }
    const reason = e instanceof Error ? e.message : 'it cannot be written as JSON';
    throw new WeftError('invalid_value', `${what} is not JSON data: ${reason}`);
  }
}

function tooLarge(what: string, size: string, limits: ValueLimits): WeftError {
  return new WeftError(
    'output_too_large',
    `${what} ${size}; the limit is ${limits.maxBytes} bytes`,
    {
      details: { limit: 'maxBytes', max: limits.maxBytes },
    },
  );
}

function tooDeep(
  what: string,
  limits: ValueLimits,
  how = `nests more than ${limits.maxDepth} levels of arrays and objects`,
): WeftError {
  return new WeftError('output_too_large', `${what} ${how} (limit maxDepth = ${limits.maxDepth})`, {
    details: { limit: 'maxDepth', max: limits.maxDepth },
  });
}
