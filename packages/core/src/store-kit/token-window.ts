/**
 * @module store-kit/token-window
 * The bounds of a token budget's window and spend (see `ports/token-budgets`), checked by both
 * stores before they touch their tables.
 */
import { WeftError } from '../errors.js';
import { MAX_RATE_PER_MS } from '../ports/rate-buckets.js';
import { MAX_BUDGET_TOKENS, type TokenWindow } from '../ports/token-budgets.js';

/** Refuses a window a store cannot keep: its length as a rate's, its start a whole epoch ms. */
export function checkTokenWindow(w: TokenWindow): void {
  if (!Number.isInteger(w.perMs) || w.perMs < 1 || w.perMs > MAX_RATE_PER_MS) {
    throw new WeftError(
      'invalid_argument',
      `token budget window must be a whole number of milliseconds from 1 to ${MAX_RATE_PER_MS}, not ${w.perMs}`,
    );
  }
  if (!Number.isSafeInteger(w.windowStart) || w.windowStart < 0) {
    throw new WeftError(
      'invalid_argument',
      `token budget window start must be a whole number of epoch milliseconds, 0 or more, not ${w.windowStart}`,
    );
  }
}

/** Refuses a spend out of range, besides its window. */
export function checkTokenSpend(w: TokenWindow & { tokens: number }): void {
  checkTokenWindow(w);
  if (!Number.isInteger(w.tokens) || w.tokens < 1 || w.tokens > MAX_BUDGET_TOKENS) {
    throw new WeftError(
      'invalid_argument',
      `tokens spent must be a whole number from 1 to ${MAX_BUDGET_TOKENS}, not ${w.tokens}`,
    );
  }
}
