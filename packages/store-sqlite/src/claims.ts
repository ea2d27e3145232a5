/**
 * @module claims
 * Workers' leases and their holds on runs ({@link RunClaims}) for processes sharing one SQLite
 * file. Each call is one IMMEDIATE transaction: SQLite lets one connection write at a time, so two
 * claimers never get the same run. Times are epoch ms of the machine's clock, which every process
 * on the file shares (a file shared between machines is not supported: see docs/operations.md).
 *
 * A run needs a worker when it is held by one whose lease lapsed (or ended), or when it is `queued`
 * and held by no one; finished runs never do. A claim raises the run's token (`run_claims`), which
 * the commits of the previous holder then no longer carry (see `apply-claims.js`).
 */
import type { Database } from 'better-sqlite3';
import { WeftError, type RunClaim, type RunClaims, type WorkerInfo } from '@weft/core';
import type { Serially, SqliteBus } from './bus.js';
import { goneFromHere } from './lock.js';

const TERMINAL = `('succeeded', 'failed', 'cancelled')`;
const LIVE = (worker: string) =>
  `EXISTS (SELECT 1 FROM workers w WHERE w.id = ${worker} AND w.expires_at > @now)`;

interface Candidate {
  id: string;
  priority: number;
  created_at: string;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new WeftError('invalid_argument', `a lease lasts a positive number of ms, not ${ttlMs}`);
  }
}

/** Higher priority first, then older, then by id: the order runs are claimed in. */
function claimOrder(a: Candidate, b: Candidate): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class SqliteClaims implements RunClaims {
  readonly #db: Database;
  readonly #serially: Serially;
  readonly #bus: SqliteBus;
  #s: ReturnType<typeof prepare> | undefined;

  constructor(db: Database, serially: Serially, bus: SqliteBus) {
    this.#db = db;
    this.#serially = serially;
    this.#bus = bus;
  }

  /** Prepared on first use: the tables exist once the store has migrated. */
  get #st(): ReturnType<typeof prepare> {
    return (this.#s ??= prepare(this.#db));
  }

  join(worker: string, ttlMs: number, info: WorkerInfo): Promise<void> {
    checkTtl(ttlMs);
    return this.#write(() => {
      const now = Date.now();
      // Lapsed leases are of no use to anyone: a run held by a missing worker is as free as one
      // held by a lapsed one.
      this.#st.dropLapsed.run({ now, worker });
      this.#st.join.run({ worker, version: info.version, where: info.where, until: now + ttlMs });
    });
  }

  renew(worker: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    return this.#write(() => {
      const now = Date.now();
      const kept = this.#st.renew.run({ worker, now, until: now + ttlMs }).changes === 1;
      // Every worker's beat keeps the bus short; no write of its own for that.
      this.#bus.prune();
      return kept;
    });
  }

  leave(worker: string): Promise<void> {
    return this.#write(() => {
      this.#st.leave.run(worker);
      // The runs keep the gone worker's id: each is claimable at once, as after a crash. Idle
      // workers are woken to take them.
      if (this.#st.leftBehind.get(worker) !== undefined) this.#bus.announce('{"kind":"wake"}');
    });
  }

  claim(worker: string, limit: number): Promise<RunClaim[]> {
    const n = Math.floor(limit);
    if (!(n > 0)) return Promise.resolve([]);
    return this.#write(() => {
      const now = Date.now();
      if (this.#st.live.get({ worker, now }) === undefined) return [];
      const picked = [
        ...this.#st.queued.all({ limit: n }),
        ...this.#st.orphaned.all({ now, limit: n }),
      ]
        .sort(claimOrder)
        .slice(0, n);
      const claims: RunClaim[] = picked.map((c) => ({
        runId: c.id,
        token: this.#st.take.get(c.id, worker)!,
      }));
      for (const id of this.#admitKeyed(worker, n - claims.length)) {
        claims.push({ runId: id, token: this.#st.take.get(id, worker)!, admitted: true });
      }
      return claims;
    });
  }

  acquire(worker: string, runId: string): Promise<RunClaim | { heldBy: string } | undefined> {
    return this.#write(() => {
      const row = this.#st.holder.get({ id: runId, worker, now: Date.now() });
      if (row === undefined) return undefined;
      if (row.free !== 1) return { heldBy: row.holder ?? '' };
      // Its own hold: the token stays, as no other worker has had the run since.
      if (row.holder === worker && row.token !== null) return { runId, token: row.token };
      return { runId, token: this.#st.take.get(runId, worker)! };
    });
  }

  async workers(): Promise<{ id: string; version: string; where: string; expiresAt: string }[]> {
    return this.#st.workers.all(Date.now()).map((w) => ({
      id: w.id,
      version: w.version,
      where: w.where_,
      expiresAt: new Date(w.expires_at).toISOString(),
    }));
  }

  /**
   * Queued runs under concurrency keys, each only while its key has room: a place is held by a run
   * under the key that has started and is not finished, or that a worker claimed to start. A key
   * found full is passed over, so runs of other keys go ahead and its own keep their order.
   */
  #admitKeyed(worker: string, room: number): string[] {
    if (room <= 0) return [];
    const admitted: string[] = [];
    const full = new Set<string>();
    const taken = new Map<string, number>();
    for (const c of this.#st.keyedQueued.all()) {
      if (admitted.length >= room) break;
      const key = `${c.tenant}\u0000${c.key}`;
      if (full.has(key)) continue;
      const holding = (this.#st.keyHolding.get(c.tenant, c.key) ?? 0) + (taken.get(key) ?? 0);
      if (holding >= c.lim) {
        full.add(key);
        continue;
      }
      admitted.push(c.id);
      taken.set(key, (taken.get(key) ?? 0) + 1);
    }
    return admitted;
  }

  /** One IMMEDIATE transaction, in turn with the store's writes. */
  #write<T>(body: () => T): Promise<T> {
    return this.#serially(() => this.#db.transaction(body).immediate());
  }
}

function prepare(db: Database) {
  return {
    dropLapsed: db.prepare<{ now: number; worker: string }>(
      'DELETE FROM workers WHERE expires_at <= @now AND id <> @worker',
    ),
    join: db.prepare<{ worker: string; version: string; where: string; until: number }>(
      `INSERT INTO workers (id, version, where_, expires_at) VALUES (@worker, @version, @where, @until)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, where_ = excluded.where_,
         expires_at = excluded.expires_at`,
    ),
    renew: db.prepare<{ worker: string; now: number; until: number }>(
      'UPDATE workers SET expires_at = @until WHERE id = @worker AND expires_at > @now',
    ),
    leave: db.prepare<[string]>('DELETE FROM workers WHERE id = ?'),
    leftBehind: db.prepare<[string], 1>(
      `SELECT 1 FROM run_claims c JOIN runs r ON r.id = c.run_id
       WHERE c.owner = ? AND r.status NOT IN ${TERMINAL} LIMIT 1`,
    ),
    live: db.prepare<{ worker: string; now: number }, 1>(
      'SELECT 1 FROM workers WHERE id = @worker AND expires_at > @now',
    ),
    // Through runs_status; the runs under concurrency keys are admitted apart (#admitKeyed).
    queued: db.prepare<{ limit: number }, Candidate>(
      `SELECT r.id, r.priority, r.created_at FROM runs r
       WHERE r.status = 'queued'
         AND NOT EXISTS (SELECT 1 FROM run_claims c WHERE c.run_id = r.id AND c.owner IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM run_keys k WHERE k.run_id = r.id)
       ORDER BY r.priority DESC, r.created_at, r.id LIMIT @limit`,
    ),
    // Through run_claims_owner: the held runs are few (those in flight).
    orphaned: db.prepare<{ now: number; limit: number }, Candidate>(
      `SELECT r.id, r.priority, r.created_at FROM run_claims c JOIN runs r ON r.id = c.run_id
       WHERE c.owner IS NOT NULL AND r.status NOT IN ${TERMINAL} AND NOT ${LIVE('c.owner')}
       ORDER BY r.priority DESC, r.created_at, r.id LIMIT @limit`,
    ),
    take: db
      .prepare<[string, string], number>(
        `INSERT INTO run_claims (run_id, owner, token) VALUES (?, ?, 1)
         ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, token = token + 1
         RETURNING token`,
      )
      .pluck(),
    holder: db.prepare<
      { id: string; worker: string; now: number },
      { holder: string | null; free: number; token: number | null }
    >(
      `SELECT c.owner AS holder, c.token AS token,
         c.owner IS NULL OR c.owner = @worker OR NOT ${LIVE('c.owner')} AS free
       FROM runs r LEFT JOIN run_claims c ON c.run_id = r.id WHERE r.id = @id`,
    ),
    workers: db.prepare<
      [number],
      { id: string; version: string; where_: string; expires_at: number }
    >('SELECT id, version, where_, expires_at FROM workers WHERE expires_at > ? ORDER BY id'),
    keyedQueued: db.prepare<[], { id: string; tenant: string; key: string; lim: number }>(
      `SELECT r.id, r.tenant, k.key, k.lim FROM runs r JOIN run_keys k ON k.run_id = r.id
       WHERE r.status = 'queued'
         AND NOT EXISTS (SELECT 1 FROM run_claims c WHERE c.run_id = r.id AND c.owner IS NOT NULL)
       ORDER BY r.priority DESC, r.created_at, r.id LIMIT 1000`,
    ),
    keyHolding: db
      .prepare<[string, string], number>(
        `SELECT count(*) FROM run_keys k JOIN runs r ON r.id = k.run_id
         WHERE r.tenant = ? AND k.key = ? AND r.status NOT IN ${TERMINAL}
           AND (r.status <> 'queued'
             OR EXISTS (SELECT 1 FROM run_claims c WHERE c.run_id = r.id AND c.owner IS NOT NULL))`,
      )
      .pluck(),
  };
}

/**
 * Hands the runs left in flight by processes that are all gone to the workers: each is marked held
 * by a worker that does not exist, so the first claim takes it, as after a crash. A process that
 * held the file alone wrote no holders; its runs in flight would otherwise wait for no one. Call
 * it only when no other process has the file (see `ProcessLock.first`).
 */
export function handOverUnheld(db: Database): number {
  return db
    .prepare(
      `INSERT INTO run_claims (run_id, owner, token)
       SELECT r.id, '', 0 FROM runs r WHERE r.status IN ('running', 'paused')
         AND NOT EXISTS (SELECT 1 FROM run_claims c WHERE c.run_id = r.id AND c.owner IS NOT NULL)
       ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner`,
    )
    .run().changes;
}

/**
 * Ends the leases of workers whose process is gone (killed on this machine): their runs are
 * claimable at once rather than when the lease would lapse. Every process on a file is on this
 * machine, so its pid tells. Returns whether any lease ended.
 */
export function endDeadLeases(db: Database): boolean {
  const rows = db.prepare('SELECT id, where_ FROM workers').all() as {
    id: string;
    where_: string;
  }[];
  const end = db.prepare('DELETE FROM workers WHERE id = ?');
  let ended = false;
  for (const w of rows) {
    if (goneFromHere(w.where_)) ended = end.run(w.id).changes === 1 || ended;
  }
  return ended;
}
