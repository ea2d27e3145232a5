/**
 * @module rate-migration
 * Migration 0005: rate buckets (`ports/rate-buckets` in the core). A bucket is a row with the
 * takes it remembers, in epoch ms on the database's clock, oldest first: when they ended, and the
 * tokens of those going on. The functions make the decisions of the core's `takeFromWindow` and
 * `releaseInWindow` (store-kit) under a lock on the row, reading the clock once the lock is held:
 * takes from any number of workers queue on the row, and each sees the ones before it.
 */
import type { Migration } from '@weft/core/store-kit';

export const RATE_MIGRATION: Migration = {
  name: '0005_rate_buckets',
  up: [
    `CREATE TABLE rate_buckets (
      tenant text COLLATE "C" NOT NULL,
      bucket text COLLATE "C" NOT NULL,
      ended bigint[] NOT NULL,
      running bigint[] NOT NULL,
      PRIMARY KEY (tenant, bucket)
    )`,

    // token: the take's token (0 for a point take or a refusal); wait_ms: 0 when taken, else how
    // long until enough takes leave the window (one going on leaves it no sooner than p_per from
    // now, one past its hold p_per after its token).
    `CREATE FUNCTION weft_rate_take(p_tenant text, p_bucket text, p_limit integer, p_per bigint,
      p_hold bigint, OUT token bigint, OUT wait_ms bigint) LANGUAGE plpgsql AS $body$
    DECLARE
      now_ms bigint;
      e bigint[];
      r bigint[];
    BEGIN
      INSERT INTO rate_buckets (tenant, bucket, ended, running)
        VALUES (p_tenant, p_bucket, '{}', '{}') ON CONFLICT (tenant, bucket) DO NOTHING;
      SELECT b.ended, b.running INTO e, r FROM rate_buckets b
        WHERE b.tenant = p_tenant AND b.bucket = p_bucket FOR UPDATE;
      now_ms := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
      e := ARRAY(SELECT s FROM unnest(e) s WHERE s > now_ms - p_per ORDER BY s);
      r := ARRAY(SELECT s FROM unnest(r) s WHERE s > now_ms - p_per ORDER BY s);
      token := 0;
      wait_ms := 0;
      IF cardinality(e) + cardinality(r) < p_limit THEN
        IF p_hold IS NULL THEN
          e := e || now_ms;
        ELSE
          token := now_ms + p_hold;
          WHILE token = ANY(r) LOOP
            token := token + 1;
          END LOOP;
          r := r || token;
        END IF;
      ELSE
        wait_ms := (SELECT f FROM (
            SELECT s + p_per AS f FROM unnest(e) s
            UNION ALL SELECT least(s, now_ms) + p_per FROM unnest(r) s) frees
          ORDER BY f OFFSET cardinality(e) + cardinality(r) - p_limit LIMIT 1) - now_ms;
      END IF;
      UPDATE rate_buckets b SET ended = e, running = r
        WHERE b.tenant = p_tenant AND b.bucket = p_bucket;
    END
    $body$`,

    `CREATE FUNCTION weft_rate_release(p_tenant text, p_bucket text, p_per bigint, p_token bigint)
      RETURNS void LANGUAGE plpgsql AS $body$
    DECLARE
      now_ms bigint;
    BEGIN
      PERFORM 1 FROM rate_buckets b
        WHERE b.tenant = p_tenant AND b.bucket = p_bucket FOR UPDATE;
      now_ms := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
      UPDATE rate_buckets b SET running = array_remove(b.running, p_token),
        ended = ARRAY(SELECT s FROM unnest(b.ended) s WHERE s > now_ms - p_per ORDER BY s) || now_ms
        WHERE b.tenant = p_tenant AND b.bucket = p_bucket;
    END
    $body$`,
  ],
};
