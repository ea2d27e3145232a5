/**
 * @module ports/token-budgets
 * Model tokens spent per bucket and period, shared by every worker on one store: what a node's
 * `budget: { tokens, per }` counts against, so that a provider's quota on one key (a million tokens
 * a day, say) holds for the whole deployment. A period is a fixed window of `perMs` aligned to the
 * epoch (`windowStart` a multiple of `perMs`: a day's starts at 00:00 UTC); the caller chooses it
 * on its own clock, so the store only adds and reads.
 */

/** One window of a bucket. */
export interface TokenWindow {
  tenant: string;
  /** The bucket's name within the tenant (`credential:openai`, `type:llm`, `key:nightly`). */
  bucket: string;
  /**
   * The window's length in ms: windows of different lengths of one bucket count apart (each
   * budget is judged by its own spends).
   */
  perMs: number;
  /** Its start, in epoch ms: a whole number, 0 or more. */
  windowStart: number;
}

/** What {@link TokenBudgets.spendTokens} adds. */
export interface TokenSpend extends TokenWindow {
  /** Tokens spent: a whole number from 1 to {@link MAX_BUDGET_TOKENS}. */
  tokens: number;
}

/** Most tokens a budget (and one spend) may be: a trillion. */
export const MAX_BUDGET_TOKENS = 1_000_000_000_000;

export interface TokenBudgets {
  /**
   * Adds `tokens` to the window's count and answers the count after it: atomic across every
   * caller on the store, so concurrent spends add up exactly. The bucket's windows older than the
   * one before `windowStart` are forgotten (a worker whose clock lags a little behind still finds
   * the window it is in).
   * @throws WeftError `invalid_argument` for tokens, a window or a start out of range.
   */
  spendTokens(spend: TokenSpend): Promise<number>;
  /** The tokens spent in the window so far: 0 for one nothing was spent in (or forgotten). */
  tokensSpent(window: TokenWindow): Promise<number>;
}
