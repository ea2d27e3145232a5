/**
 * @module rates
 * Rate buckets on PostgreSQL: one statement per take. Its upsert locks the bucket's row, and what
 * it writes is computed from the row as the lock found it, at a time read on the database's clock
 * once the lock is held: takes from any number of workers queue on the row, and each sees the ones
 * before it. The decision is `takeFromWindow`'s (core's store-kit), in SQL.
 */
import type pg from 'pg';
import type { RateAnswer, RateTake } from '@weft/core';
import { checkRate } from '@weft/core/store-kit';

// The first take of a bucket inserts it with itself; a later one keeps the takes still in the
// window `(now - per, now]` (the latest `limit` of them) and adds itself when they are fewer than
// `limit`, else answers when the oldest of them leaves the window.
const TAKE = `
INSERT INTO rate_buckets AS b (tenant, bucket, stamps, wait_ms)
VALUES ($1, $2, ARRAY[(extract(epoch FROM clock_timestamp()) * 1000)::bigint], 0)
ON CONFLICT (tenant, bucket) DO UPDATE SET (stamps, wait_ms) = (
  SELECT CASE WHEN cardinality(w.live) < $3 THEN w.live || w.now ELSE w.live END,
         CASE WHEN cardinality(w.live) < $3 THEN 0 ELSE w.live[1] + $4 - w.now END
  FROM (
    SELECT n.now, coalesce((
      SELECT array_agg(s ORDER BY s) FROM (
        SELECT s FROM unnest(b.stamps) s WHERE s > n.now - $4 ORDER BY s DESC LIMIT $3) l
    ), '{}') AS live
    FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now) n
  ) w
)
RETURNING wait_ms`;

export async function takeRateToken(pool: pg.Pool, t: RateTake): Promise<RateAnswer> {
  checkRate(t.limit, t.perMs);
  const { rows } = await pool.query<{ wait_ms: string }>({
    name: 'weft_take_rate_token',
    text: TAKE,
    values: [t.tenant, t.bucket, t.limit, t.perMs],
  });
  const waitMs = Number(rows[0]?.wait_ms ?? 0);
  return waitMs > 0 ? { ok: false, waitMs } : { ok: true };
}
