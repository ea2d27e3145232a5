/**
 * @module token-budgets
 * Token budgets in SQLite: one row per window of a bucket with the tokens spent in it. A spend
 * adds in one statement; the first spend of a window (its count is that spend alone) forgets the
 * bucket's windows older than the one before it, in the same transaction.
 */
import type { Database, Transaction } from 'better-sqlite3';
import type { TokenSpend, TokenWindow } from '@weft/core';
import { checkTokenSpend, checkTokenWindow } from '@weft/core/store-kit';

type Key = [tenant: string, bucket: string, perMs: number, windowStart: number];

export class TokenBudgetTable {
  readonly #spend: Transaction<(s: TokenSpend) => number>;
  readonly #read;

  constructor(db: Database) {
    const add = db.prepare<[...Key, number], { tokens: number }>(
      `INSERT INTO token_budgets (tenant, bucket, per_ms, window_start, tokens) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant, bucket, per_ms, window_start) DO UPDATE SET tokens = tokens + excluded.tokens
       RETURNING tokens`,
    );
    const prune = db.prepare<[string, string, number, number]>(
      `DELETE FROM token_budgets
       WHERE tenant = ? AND bucket = ? AND per_ms = ? AND window_start < ?`,
    );
    this.#read = db.prepare<Key, { tokens: number }>(
      `SELECT tokens FROM token_budgets
       WHERE tenant = ? AND bucket = ? AND per_ms = ? AND window_start = ?`,
    );
    this.#spend = db.transaction((s: TokenSpend) => {
      const total = add.get(s.tenant, s.bucket, s.perMs, s.windowStart, s.tokens)?.tokens ?? 0;
      if (total === s.tokens) prune.run(s.tenant, s.bucket, s.perMs, s.windowStart - s.perMs);
      return total;
    });
  }

  spend(s: TokenSpend): number {
    checkTokenSpend(s);
    return this.#spend.immediate(s);
  }

  spent(w: TokenWindow): number {
    checkTokenWindow(w);
    return this.#read.get(w.tenant, w.bucket, w.perMs, w.windowStart)?.tokens ?? 0;
  }
}
