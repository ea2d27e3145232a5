/**
 * @module keys-migration
 * Migration 0004: concurrency keys (a workflow's `concurrency:`). A run under a key has a row in
 * `run_keys`; `weft_admit_keyed` claims queued runs under keys for a worker, each only while fewer
 * than its limit hold a place — under a transaction-scoped advisory lock on the key, so that two
 * workers admitting at once count each other's admissions.
 */
import type { Migration } from '@weft/core/store-kit';

export const KEYS_MIGRATION: Migration = {
  name: '0004_concurrency_keys',
  up: [
    `CREATE TABLE run_keys (
      run_id text COLLATE "C" PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
      key text COLLATE "C" NOT NULL,
      lim integer NOT NULL
    )`,
    `CREATE INDEX run_keys_key ON run_keys (key)`,

    // A place is held by a run under the key that is not finished and has started, or that a
    // worker claimed to start (queued, with an owner, live or not: a dead one's claim is taken over
    // and the run started by whoever takes it). Candidates are read in claim order; a key that is
    // full is passed over, so runs of other keys go ahead, and its own runs keep their order.
    `CREATE FUNCTION weft_admit_keyed(w text, n integer)
      RETURNS TABLE (id text, token bigint) LANGUAGE plpgsql AS $body$
    DECLARE
      c record;
      holding integer;
      full_keys text[] := '{}';
      taken integer := 0;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM workers WHERE workers.id = w AND expires_at > now()) THEN
        RETURN;
      END IF;
      FOR c IN
        SELECT r.id AS run_id, r.tenant, k.key, k.lim FROM runs r JOIN run_keys k ON k.run_id = r.id
        WHERE r.status = 'queued' AND r.claim_owner IS NULL
        ORDER BY r.priority DESC, r.created_at, r.id LIMIT 1000
      LOOP
        EXIT WHEN taken >= n;
        CONTINUE WHEN (c.tenant || '/' || c.key) = ANY (full_keys);
        PERFORM pg_advisory_xact_lock(hashtextextended(c.tenant || '/' || c.key, 0));
        SELECT count(*) INTO holding FROM run_keys k JOIN runs r ON r.id = k.run_id
          WHERE r.tenant = c.tenant AND k.key = c.key
            AND r.status NOT IN ('succeeded', 'failed', 'cancelled')
            AND (r.status <> 'queued' OR r.claim_owner IS NOT NULL);
        IF holding >= c.lim THEN
          full_keys := full_keys || (c.tenant || '/' || c.key);
          CONTINUE;
        END IF;
        UPDATE runs r SET claim_owner = w, claim_token = r.claim_token + 1
          WHERE r.id = c.run_id AND r.status = 'queued' AND r.claim_owner IS NULL
          RETURNING r.id, r.claim_token INTO id, token;
        IF FOUND THEN
          taken := taken + 1;
          RETURN NEXT;
        END IF;
      END LOOP;
    END $body$`,
  ],
};
