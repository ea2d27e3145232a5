/**
 * @module runtime/token-budget
 * What an execution may spend of model tokens (`ctx.tokens`): the run's and the node's
 * `limits.tokens`, as they stood when it began, and the node's `budget`, a count per period kept
 * in the store and shared by every run and worker on it. Each call asks first
 * (`allowance`): a spent budget refuses it, else it asks for at most what is left. What it spent is
 * added to every budget after it answered: concurrent calls may each see the same tokens left, so
 * a period's spend can pass its budget by what those calls spent together; once it has, no call of
 * the bucket begins until the next period.
 */
import {
  MAX_BUDGET_TOKENS,
  WeftError,
  type Clock,
  type Logger,
  type NodeBudget,
  type TokenBudget,
  type TokenBudgets,
} from '@weft/core';

/** A node's `budget` in the store, for one execution. */
export interface SharedBudget {
  store: TokenBudgets;
  clock: Clock;
  log: Logger;
  tenant: string;
  /** See `node-bucket.ts`. */
  bucket: string;
  budget: NodeBudget;
  /** The node's path, for the error's message. */
  path: string;
}

/**
 * `ctx.tokens` of one execution: `left` tokens under `limits.tokens` (undefined: unbounded), and
 * the node's `budget` when it has one. Each spend is reported to the run.
 */
export function tokenBudget(
  left: number | undefined,
  report: (tokens: number) => void,
  shared?: SharedBudget,
): TokenBudget {
  let spent = 0;
  // The spends on their way to the store: the next allowance reads the count after them.
  let adding: Promise<void> = Promise.resolve();
  const localLeft = () => (left === undefined ? undefined : Math.max(0, left - spent));
  return {
    left: localLeft,
    async allowance() {
      const local = localLeft();
      if (shared === undefined || local === 0) return local;
      await adding;
      const periodLeft = await leftInPeriod(shared);
      return local === undefined ? periodLeft : Math.min(local, periodLeft);
    },
    spend(tokens) {
      if (!Number.isFinite(tokens) || tokens <= 0) return;
      const whole = Math.ceil(tokens);
      spent += whole;
      report(whole);
      if (shared !== undefined) adding = adding.then(() => addToPeriod(shared, whole));
    },
  };
}

/** The start of the period `now` is in: periods are aligned to the epoch. */
const periodOf = (perMs: number, now: number) => now - (now % perMs);

/** @throws WeftError `token_budget_exceeded` once the period's spend reached the budget. */
async function leftInPeriod(s: SharedBudget): Promise<number> {
  const { tokens, perMs, per } = s.budget;
  const windowStart = periodOf(perMs, s.clock.now());
  const spent = await s.store.tokensSpent({
    tenant: s.tenant,
    bucket: s.bucket,
    perMs,
    windowStart,
  });
  if (spent < tokens) return tokens - spent;
  const resetsAt = new Date(windowStart + perMs).toISOString();
  throw new WeftError(
    'token_budget_exceeded',
    `${s.path}: the token budget of ${s.bucket} (${tokens} per ${per}) is spent until ${resetsAt}; no model call is made`,
    { details: { bucket: s.bucket, tokens, per, spent, resets_at: resetsAt } },
  );
}

/**
 * Adds a call's spend to the period it ended in. A spend the store refused is logged, not thrown:
 * the call was made and answered, and failing the node for it would only make it again.
 */
async function addToPeriod(s: SharedBudget, tokens: number): Promise<void> {
  const { perMs } = s.budget;
  try {
    await s.store.spendTokens({
      tenant: s.tenant,
      bucket: s.bucket,
      perMs,
      windowStart: periodOf(perMs, s.clock.now()),
      tokens: Math.min(tokens, MAX_BUDGET_TOKENS),
    });
  } catch (e) {
    s.log.warn(
      { err: e, bucket: s.bucket, tokens },
      `tokens spent could not be added to ${s.bucket}`,
    );
  }
}
