/**
 * @module token-budgets
 * Token budgets on PostgreSQL: a spend is one upsert, which adds to the window's row under its
 * lock, so spends from any number of workers add up exactly. The first spend of a window (its
 * count is that spend alone) then forgets the bucket's windows older than the one before it, in a
 * statement of its own: a transaction never holds one row's lock while it waits for another's, so
 * spends and forgetting cannot deadlock.
 */
import type pg from 'pg';
import type { TokenSpend, TokenWindow } from '@weft/core';
import { checkTokenSpend, checkTokenWindow } from '@weft/core/store-kit';

export async function spendTokens(pool: pg.Pool, s: TokenSpend): Promise<number> {
  checkTokenSpend(s);
  const { rows } = await pool.query<{ tokens: string }>({
    name: 'weft_tokens_spend',
    text: `INSERT INTO token_budgets (tenant, bucket, per_ms, window_start, tokens)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (tenant, bucket, per_ms, window_start)
      DO UPDATE SET tokens = token_budgets.tokens + excluded.tokens
      RETURNING tokens`,
    values: [s.tenant, s.bucket, s.perMs, s.windowStart, s.tokens],
  });
  const total = Number(rows[0]?.tokens ?? 0);
  if (total === s.tokens) {
    await pool.query({
      name: 'weft_tokens_prune',
      text: `DELETE FROM token_budgets
        WHERE tenant = $1 AND bucket = $2 AND per_ms = $3 AND window_start < $4`,
      values: [s.tenant, s.bucket, s.perMs, s.windowStart - s.perMs],
    });
  }
  return total;
}

export async function tokensSpent(pool: pg.Pool, w: TokenWindow): Promise<number> {
  checkTokenWindow(w);
  const { rows } = await pool.query<{ tokens: string }>({
    name: 'weft_tokens_spent',
    text: `SELECT tokens FROM token_budgets
      WHERE tenant = $1 AND bucket = $2 AND per_ms = $3 AND window_start = $4`,
    values: [w.tenant, w.bucket, w.perMs, w.windowStart],
  });
  return Number(rows[0]?.tokens ?? 0);
}
