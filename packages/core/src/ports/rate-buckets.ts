/**
 * @module ports/rate-buckets
 * Rates shared by every worker on one store: a node's `rate: { limit, per }`, and the server's
 * start rate per tenant. No window of `per` milliseconds may hold more than `limit` of a bucket's
 * takes, a take counting in every window it overlaps: a point in time for a start, the span from
 * start to end for an execution (taken with `holdMs`, ended by {@link RateBuckets.releaseRateToken}).
 *
 * Counting executions to their end is what lets a bucket promise something to the service they
 * call: a request reaches it between its execution's start and end, so it never receives more than
 * `limit` of them in any window, however long each took to get there. A token bucket could not
 * promise even that for starts: refilling while a burst is spent lets nearly twice `limit` through
 * in one window.
 */

/** What {@link RateBuckets.takeRateToken} asks for. */
export interface RateTake {
  tenant: string;
  /** The bucket's name within the tenant (`type:http`, `credential:github`, `start`, ...). */
  bucket: string;
  /** Takes at most in any window: a whole number, 1 or more. */
  limit: number;
  /** The window, in milliseconds: a whole number, 1 or more. */
  perMs: number;
  /**
   * The take is an execution that goes on until {@link RateBuckets.releaseRateToken}: it counts
   * as going on for at most this many milliseconds (a worker that dies does not hold it longer),
   * then as ended then. Absent: the take is a point in time.
   */
  holdMs?: number;
}

/**
 * A token taken now (`token`: what releases it, for a take with `holdMs`), or the time until one
 * may be: exact when it waits for ended takes to leave the window, else `perMs` at least, since
 * one still going on frees its place `perMs` after it ends.
 */
export type RateAnswer = { ok: true; token?: number } | { ok: false; waitMs: number };

/** What {@link RateBuckets.releaseRateToken} is given. */
export interface RateRelease {
  tenant: string;
  bucket: string;
  /** The window of the take: ended takes older than it are forgotten. */
  perMs: number;
  /** The `token` of the take's answer. */
  token: number;
}

/** Largest `limit` a bucket accepts: it remembers that many takes. */
export const MAX_RATE_LIMIT = 10_000;

/** Largest `perMs` (and `holdMs`) a bucket accepts: the longest delay Node's timers keep (~24.8 days). */
export const MAX_RATE_PER_MS = 2_147_483_647;

export interface RateBuckets {
  /**
   * Takes a token from the tenant's bucket if fewer than `limit` of its takes overlap the window
   * `(now - perMs, now]` (those going on included), and records the take at `now`; else answers
   * how long to wait before asking again. Atomic across every caller on the store, with `now`
   * read on one clock for all of them (the database's). Callers sharing a bucket should give it
   * the same `limit` and `perMs`: each take is judged by its own.
   * @throws WeftError `invalid_argument` for a limit, window or hold out of range.
   */
  takeRateToken(take: RateTake): Promise<RateAnswer>;
  /**
   * Ends a take made with `holdMs`: it counts as ended now. Releasing a token twice, or one the
   * bucket no longer knows, only counts one more take ended now.
   */
  releaseRateToken(release: RateRelease): Promise<void>;
}
