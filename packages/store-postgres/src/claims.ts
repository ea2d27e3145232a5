/**
 * @module claims
 * Workers' leases and their holds on runs ({@link RunClaims}), each call one statement. Every time
 * is the database's (`now()`): the workers' clocks may disagree, the server's is the one they share.
 *
 * A run needs a worker when it is held by one whose lease lapsed (or ended), or when it is `queued`
 * and held by no one; finished runs never do. A claim raises the run's token, which the commits of
 * the previous holder then no longer carry (see `weft_commit`).
 */
import type pg from 'pg';
import { WeftError, type RunClaim, type RunClaims, type WorkerInfo } from '@weft/core';

/** A worker whose lease has not lapsed. */
const LIVE = (worker: string) =>
  `EXISTS (SELECT 1 FROM workers w WHERE w.id = ${worker} AND w.expires_at > now())`;

const TERMINAL = `('succeeded', 'failed', 'cancelled')`;

const JOIN = {
  name: 'weft_worker_join',
  // Lapsed leases are of no use to anyone (a run held by a missing worker is as free as one held
  // by a lapsed one): each join clears them away.
  text: `WITH lapsed AS (DELETE FROM workers WHERE expires_at <= now() AND id <> $1)
    INSERT INTO workers (id, version, where_, expires_at)
    VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, where_ = excluded.where_,
      expires_at = excluded.expires_at`,
};

const RENEW = {
  name: 'weft_worker_renew',
  text: `UPDATE workers SET expires_at = now() + $2 * interval '1 millisecond'
    WHERE id = $1 AND expires_at > now()`,
};

// The runs keep the gone worker's id: held by a missing worker, each is claimable at once, as after
// a crash, whatever its status (a run let go of would be claimable only when queued). Idle workers
// are woken to take them.
const LEAVE = {
  name: 'weft_worker_leave',
  text: `WITH gone AS (DELETE FROM workers WHERE id = $1)
    SELECT pg_notify(weft_bus_channel(), '{"kind":"wake"}')
    WHERE EXISTS (SELECT 1 FROM runs WHERE claim_owner = $1 AND status NOT IN ${TERMINAL})`,
};

// Each kind of claimable run is read through its own index, in claim order, locking as it goes and
// skipping rows another claim (or a commit) holds; the two are then merged. A row locked but left
// out by the merge is free again when the statement ends. Locking queries are MATERIALIZED: folded
// into the query around them, they could have its conditions tested below the lock, on rows as
// they were before a wait.
const CLAIM = {
  name: 'weft_claim_runs',
  text: `WITH queued AS MATERIALIZED (
      SELECT id, priority, created_at FROM runs
      WHERE status = 'queued' AND claim_owner IS NULL AND ${LIVE('$1')}
        AND NOT EXISTS (SELECT 1 FROM run_keys k WHERE k.run_id = runs.id)
      ORDER BY priority DESC, created_at, id LIMIT $2
      FOR UPDATE SKIP LOCKED),
    orphaned AS MATERIALIZED (
      SELECT r.id, r.priority, r.created_at FROM runs r
      WHERE r.claim_owner IS NOT NULL AND r.status NOT IN ${TERMINAL}
        AND NOT ${LIVE('r.claim_owner')} AND ${LIVE('$1')}
      ORDER BY r.priority DESC, r.created_at, r.id LIMIT $2
      FOR UPDATE OF r SKIP LOCKED),
    picked AS (
      SELECT id FROM (SELECT * FROM queued UNION ALL SELECT * FROM orphaned) AS c
      ORDER BY priority DESC, created_at, id LIMIT $2),
    taken AS (
      UPDATE runs r SET claim_owner = $1, claim_token = r.claim_token + 1
      FROM picked WHERE r.id = picked.id
      RETURNING r.id, r.claim_token, r.priority, r.created_at)
    SELECT id, claim_token AS token FROM taken ORDER BY priority DESC, created_at, id`,
};

// Queued runs under concurrency keys, each only while its key has room (see migration 0004).
const ADMIT = {
  name: 'weft_admit_keyed_runs',
  text: `SELECT id, token FROM weft_admit_keyed($1, $2)`,
};

// The row is locked before it is judged, so the holder named is the one that holds it now. A
// worker that holds it already keeps its token: no other worker has had the run since.
const ACQUIRE = {
  name: 'weft_acquire_run',
  text: `WITH target AS MATERIALIZED (
      SELECT r.id, r.claim_owner AS holder, r.claim_token AS token,
        r.claim_owner IS NULL OR r.claim_owner = $1 OR NOT ${LIVE('r.claim_owner')} AS free
      FROM runs r WHERE r.id = $2 FOR UPDATE),
    taken AS (
      UPDATE runs r SET claim_owner = $1, claim_token = r.claim_token + 1
      FROM target t WHERE r.id = t.id AND t.free AND t.holder IS DISTINCT FROM $1
      RETURNING r.claim_token)
    SELECT t.holder, t.free, COALESCE((SELECT claim_token FROM taken), t.token) AS token
    FROM target t`,
};

const WORKERS = {
  name: 'weft_live_workers',
  text: `SELECT id, version, where_, expires_at FROM workers WHERE expires_at > now() ORDER BY id`,
};

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new WeftError('invalid_argument', `a lease lasts a positive number of ms, not ${ttlMs}`);
  }
}

export class PostgresClaims implements RunClaims {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async join(worker: string, ttlMs: number, info: WorkerInfo): Promise<void> {
    checkTtl(ttlMs);
    await this.#pool.query({ ...JOIN, values: [worker, info.version, info.where, ttlMs] });
  }

  async renew(worker: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const { rowCount } = await this.#pool.query({ ...RENEW, values: [worker, ttlMs] });
    return rowCount === 1;
  }

  async leave(worker: string): Promise<void> {
    await this.#pool.query({ ...LEAVE, values: [worker] });
  }

  async claim(worker: string, limit: number): Promise<RunClaim[]> {
    if (limit <= 0) return [];
    const { rows } = await this.#pool.query<{ id: string; token: string }>({
      ...CLAIM,
      values: [worker, Math.floor(limit)],
    });
    const claims: RunClaim[] = rows.map((r) => ({ runId: r.id, token: Number(r.token) }));
    const room = Math.floor(limit) - claims.length;
    if (room <= 0) return claims;
    const admitted = await this.#pool.query<{ id: string; token: string }>({
      ...ADMIT,
      values: [worker, room],
    });
    for (const r of admitted.rows) {
      claims.push({ runId: r.id, token: Number(r.token), admitted: true });
    }
    return claims;
  }

  async acquire(worker: string, runId: string): Promise<RunClaim | { heldBy: string } | undefined> {
    const { rows } = await this.#pool.query<{
      holder: string | null;
      free: boolean;
      token: string | null;
    }>({ ...ACQUIRE, values: [worker, runId] });
    const row = rows[0];
    if (row === undefined) return undefined;
    if (row.free && row.token !== null) return { runId, token: Number(row.token) };
    return { heldBy: row.holder ?? '' };
  }

  async workers(): Promise<{ id: string; version: string; where: string; expiresAt: string }[]> {
    const { rows } = await this.#pool.query<{
      id: string;
      version: string;
      where_: string;
      expires_at: Date;
    }>(WORKERS);
    return rows.map((r) => ({
      id: r.id,
      version: r.version,
      where: r.where_,
      expiresAt: r.expires_at.toISOString(),
    }));
  }
}
