/**
 * @module store-kit/rate-window
 * The decisions of a rate bucket (see `ports/rate-buckets`) over the takes it remembers, for
 * stores that compute them outside SQL. The PostgreSQL store makes the same decisions in SQL
 * (`weft_rate_take`, `weft_rate_release`).
 */
import { WeftError } from '../errors.js';
import { MAX_RATE_LIMIT, MAX_RATE_PER_MS, type RateAnswer } from '../ports/rate-buckets.js';

/** What a bucket remembers, in epoch ms, each list oldest first. */
export interface RateBucketState {
  /** When takes ended (a point take ends as it is taken). */
  ended: number[];
  /** Takes going on, each by the time it counts as ended at the latest: its token. */
  running: number[];
}

const wholeMs = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_RATE_PER_MS;

/** Refuses a limit, window or hold a bucket cannot keep. */
export function checkRate(limit: number, perMs: number, holdMs?: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RATE_LIMIT) {
    throw new WeftError(
      'invalid_argument',
      `rate limit must be a whole number from 1 to ${MAX_RATE_LIMIT}, not ${limit}`,
    );
  }
  if (!wholeMs(perMs)) {
    throw new WeftError(
      'invalid_argument',
      `rate window must be a whole number of milliseconds from 1 to ${MAX_RATE_PER_MS}, not ${perMs}`,
    );
  }
  if (holdMs !== undefined && !wholeMs(holdMs)) {
    throw new WeftError(
      'invalid_argument',
      `rate hold must be a whole number of milliseconds from 1 to ${MAX_RATE_PER_MS}, not ${holdMs}`,
    );
  }
}

// Sorted again: a clock set back would otherwise leave a later time before an earlier one.
const inWindow = (times: readonly number[], now: number, perMs: number) =>
  times.filter((t) => t > now - perMs).sort((a, b) => a - b);

/**
 * Takes a token at `now` if fewer than `limit` takes overlap the window `(now - perMs, now]`.
 * @returns the answer and what the bucket keeps: the takes that still overlap the window, with
 *   this one when it was taken.
 */
export function takeFromWindow(
  state: RateBucketState,
  now: number,
  limit: number,
  perMs: number,
  holdMs?: number,
): { answer: RateAnswer; state: RateBucketState } {
  const ended = inWindow(state.ended, now, perMs);
  const running = inWindow(state.running, now, perMs);
  const count = ended.length + running.length;
  if (count < limit) {
    if (holdMs === undefined)
      return { answer: { ok: true }, state: { ended: [...ended, now], running } };
    let token = now + holdMs;
    while (running.includes(token)) token++;
    return { answer: { ok: true, token }, state: { ended, running: [...running, token] } };
  }
  // When each take leaves the window: an ended one `perMs` after its end, one going on no sooner
  // than `perMs` from now (it may end at once), one past its hold `perMs` after its token.
  const frees = [
    ...ended.map((t) => t + perMs),
    ...running.map((t) => Math.min(t, now) + perMs),
  ].sort((a, b) => a - b);
  const free = frees[count - limit] ?? now + perMs;
  return { answer: { ok: false, waitMs: free - now }, state: { ended, running } };
}

/** Ends the take of `token` at `now`. */
export function releaseInWindow(
  state: RateBucketState,
  now: number,
  perMs: number,
  token: number,
): RateBucketState {
  const at = state.running.indexOf(token);
  const running = at === -1 ? state.running : state.running.filter((_, i) => i !== at);
  return { ended: [...inWindow(state.ended, now, perMs), now], running };
}
