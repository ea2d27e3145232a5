/**
 * @module rates
 * Rate buckets on PostgreSQL: one call of a function per take or release (see `rate-migration.ts`),
 * in its own transaction, on the database's clock.
 */
import type pg from 'pg';
import type { RateAnswer, RateRelease, RateTake } from '@weft/core';
import { checkRate } from '@weft/core/store-kit';

export async function takeRateToken(pool: pg.Pool, t: RateTake): Promise<RateAnswer> {
  checkRate(t.limit, t.perMs, t.holdMs);
  const { rows } = await pool.query<{ token: string; wait_ms: string }>({
    name: 'weft_rate_take',
    text: 'SELECT token, wait_ms FROM weft_rate_take($1, $2, $3, $4, $5)',
    values: [t.tenant, t.bucket, t.limit, t.perMs, t.holdMs ?? null],
  });
  const waitMs = Number(rows[0]?.wait_ms ?? 0);
  if (waitMs > 0) return { ok: false, waitMs };
  return t.holdMs === undefined ? { ok: true } : { ok: true, token: Number(rows[0]?.token) };
}

export async function releaseRateToken(pool: pg.Pool, r: RateRelease): Promise<void> {
  checkRate(1, r.perMs);
  await pool.query({
    name: 'weft_rate_release',
    text: 'SELECT weft_rate_release($1, $2, $3, $4)',
    values: [r.tenant, r.bucket, r.perMs, r.token],
  });
}
