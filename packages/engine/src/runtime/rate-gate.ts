/**
 * @module runtime/rate-gate
 * A node's `rate`: before its execution begins, a token is taken from its bucket in the store,
 * shared by every worker on it; when none is left, the execution waits as long as the store says
 * and asks again. The wait is before the attempt, so it does not count against `timeout_ms`. The
 * token is held until the execution ends: no window of `per` overlaps more than `limit` of the
 * bucket's executions, so the service they call never gets more than `limit` requests in one.
 */
import type { Logger, RateAnswer, RateRelease, RateTake } from '@weft/core';

/**
 * How long an execution without `timeout_ms` counts as going on at most, should its worker die
 * before it ends it; one with a timeout counts as long as the timeout.
 */
export const DEFAULT_RATE_HOLD_MS = 5 * 60_000;

/** What the gate needs of the store. */
export interface RateStore {
  takeRateToken(take: RateTake): Promise<RateAnswer>;
  releaseRateToken(release: RateRelease): Promise<void>;
}

/**
 * Resolves once a token is taken, with what ends its hold (call it once the execution ended, or
 * if it never begins). Rejects with the signal's reason as soon as it aborts (a cancel, a
 * shutdown), and with the store's error if a take fails.
 */
export async function admit(
  store: RateStore,
  take: RateTake & { holdMs: number },
  signal: AbortSignal,
  log: Logger,
): Promise<() => void> {
  for (;;) {
    signal.throwIfAborted();
    const answer = await store.takeRateToken(take);
    if (answer.ok) {
      const token = answer.token ?? 0;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const { tenant, bucket, perMs } = take;
        // Not released, the token counts until its hold runs out: the rate only gets stricter.
        store.releaseRateToken({ tenant, bucket, perMs, token }).catch((e: unknown) => {
          log.info({ err: e, bucket }, `a token of rate bucket ${bucket} could not be released`);
        });
      };
    }
    await sleep(answer.waitMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}
