/**
 * @module ports/rate-buckets
 * Rates shared by every worker on one store: a node's `rate: { limit, per }`, and the server's
 * start rate per tenant. A bucket remembers when its latest starts were taken, so that it can
 * promise that no window of `per` milliseconds ever holds more than `limit` of them — a token
 * bucket could not: refilling while a burst is spent lets almost twice `limit` through in one
 * window.
 */

/** What {@link RateBuckets.takeRateToken} asks for. */
export interface RateTake {
  tenant: string;
  /** The bucket's name within the tenant (`type:http`, `credential:github`, `start`, ...). */
  bucket: string;
  /** Starts at most per window: a whole number, 1 or more. */
  limit: number;
  /** The window, in milliseconds: a whole number, 1 or more. */
  perMs: number;
}

/** A token taken now, or the time until one may be. */
export type RateAnswer = { ok: true } | { ok: false; waitMs: number };

/** Largest `limit` a bucket accepts: it remembers that many start times. */
export const MAX_RATE_LIMIT = 10_000;

/** Largest `perMs` a bucket accepts: the longest delay Node's timers keep (~24.8 days). */
export const MAX_RATE_PER_MS = 2_147_483_647;

export interface RateBuckets {
  /**
   * Takes a token from the tenant's bucket if fewer than `limit` were taken in the last `perMs`
   * milliseconds (the window `(now - perMs, now]`), and records the take at `now`; else answers how
   * long until the oldest of the last `limit` takes leaves the window. Atomic across every caller
   * on the store, with `now` read on one clock for all of them (the database's). Callers sharing a
   * bucket should give it the same `limit` and `perMs`: each take is judged by its own.
   * @throws WeftError `invalid_argument` for a limit or window out of range.
   */
  takeRateToken(take: RateTake): Promise<RateAnswer>;
}
