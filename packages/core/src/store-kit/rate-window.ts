/**
 * @module store-kit/rate-window
 * The decision of a rate bucket (see `ports/rate-buckets`) over the start times it remembers, for
 * stores that compute it outside SQL. The PostgreSQL store makes the same decision in one statement.
 */
import { WeftError } from '../errors.js';
import { MAX_RATE_LIMIT, MAX_RATE_PER_MS, type RateAnswer } from '../ports/rate-buckets.js';

/** Refuses a limit or window a bucket cannot keep. */
export function checkRate(limit: number, perMs: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RATE_LIMIT) {
    throw new WeftError(
      'invalid_argument',
      `rate limit must be a whole number from 1 to ${MAX_RATE_LIMIT}, not ${limit}`,
    );
  }
  if (!Number.isInteger(perMs) || perMs < 1 || perMs > MAX_RATE_PER_MS) {
    throw new WeftError(
      'invalid_argument',
      `rate window must be a whole number of milliseconds from 1 to ${MAX_RATE_PER_MS}, not ${perMs}`,
    );
  }
}

/**
 * Takes a token at `now` if the window `(now - perMs, now]` holds fewer than `limit` of `stamps`.
 * @param stamps - the times of the latest takes, in ms, oldest first.
 * @returns the answer and the stamps to keep: those still in the window (at most `limit`), with
 *   `now` added when the token was taken.
 */
export function takeFromWindow(
  stamps: readonly number[],
  now: number,
  limit: number,
  perMs: number,
): { answer: RateAnswer; stamps: number[] } {
  // Sorted again: a clock set back would otherwise leave a later take before an earlier one.
  const live = stamps
    .filter((s) => s > now - perMs)
    .sort((a, b) => a - b)
    .slice(-limit);
  if (live.length < limit) return { answer: { ok: true }, stamps: [...live, now] };
  // The oldest of the last `limit` takes: once it leaves the window, there is room.
  const oldest = live[0] ?? now;
  return { answer: { ok: false, waitMs: oldest + perMs - now }, stamps: live };
}
