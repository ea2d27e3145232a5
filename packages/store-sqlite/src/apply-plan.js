/**
 * @module apply-plan
 * The database side of a commit: the rows a {@link CommitPlan} (see `commit-plan.ts`) holds, written
 * through prepared statements inside the caller's transaction. Everything that needs the objects of
 * the writes (identity comparisons, JSON serialisation) was done when the plan was made; what is
 * left is what needs the database: the run row's conditional update and its fallback, and the
 * event log's check that a seq is free.
 *
 * Plain JavaScript (checked by TypeScript through its JSDoc) because the writer thread loads it as
 * it is, from the sources as from the build; it imports nothing of Weft's for the same reason.
 */

import { ClaimApplier } from './apply-claims.js';

/**
 * @typedef {object} RunPlan What one commit writes for one run.
 * @property {unknown[]} row The run row: the values of {@link RUN_COLUMNS}, in order.
 * @property {number | null} prevSeq The seq the row is expected at, when only the columns of `mask`
 *   need writing; null when the whole row must be written.
 * @property {number} mask The columns of {@link MUTABLE} (bit i for column i) that differ from
 *   the row at `prevSeq`; 0 when none does: nothing to write.
 * @property {string | null | undefined} input The input as JSON; undefined when unchanged.
 * @property {string[] | undefined} removeNodes Node paths whose rows are deleted first.
 * @property {unknown[][]} nodes Node rows: the values of {@link UPSERT_NODE}, in order.
 * @property {[first: number, last: number, entries: string][]} events Rows of the event log.
 * @property {boolean} eventsFollowPrevious The first event follows the seq at `prevSeq`: when the
 *   row was found there, the log is known to be free from that event on.
 * @property {string[]} removeTimers
 * @property {unknown[][]} addTimers Timer rows: the values of {@link INSERT_TIMER}, in order.
 * @property {string | undefined} singleton The run's singleton key, on its first write.
 * @property {[owner: string | null, token: number]} [claim] The writer's claim on the run: its
 *   token, and the run's holder after the commit (null: let go). Absent: a write without a claim.
 */

/** @typedef {RunPlan[]} CommitPlan Everything one commit writes, run by run in order. */

/** The columns of a run row, in the order of {@link RunPlan.row}. */
export const RUN_COLUMNS = [
  'id',
  'tenant',
  'workflow_id',
  'version',
  'status',
  'output',
  'error',
  'created_at',
  'started_at',
  'finished_at',
  'parent_run_id',
  'parent_path',
  'priority',
  'idempotency_key',
  'seq',
  'state',
  'out_seq',
  'output_of_path',
  'output_of_seq',
];

/** The columns a run changes while it executes, in bit order of {@link RunPlan.mask}. */
export const MUTABLE = [
  'status',
  'output',
  'error',
  'started_at',
  'finished_at',
  'priority',
  'seq',
  'state',
  'out_seq',
  'output_of_path',
  'output_of_seq',
];

/** The columns fixed at a run's creation. */
const FIXED = RUN_COLUMNS.filter((c) => !MUTABLE.includes(c) && c !== 'id');

const index = (/** @type {string} */ c) => RUN_COLUMNS.indexOf(c);
const MUTABLE_AT = MUTABLE.map(index);
/** {@link UPDATE_RUN}'s parameters, as positions in the row. */
const UPDATE_RUN_AT = [...MUTABLE_AT, index('id'), ...FIXED.map(index)];

// Only the fields that change while a run executes, and only if the fields fixed at creation are
// unchanged (else 0 changes, and the caller falls back to UPSERT_RUN). Leaving tenant, workflow and
// created_at out of SET spares their indexes a rewrite.
const UPDATE_RUN = `UPDATE runs SET ${MUTABLE.map((c) => `${c} = ?`).join(', ')}
  WHERE id = ? AND ${FIXED.map((c) => `${c} IS ?`).join(' AND ')}`;

// ON CONFLICT DO UPDATE rather than INSERT OR REPLACE: REPLACE deletes the old row first, which
// would cascade to the run's nodes, events and timers.
const UPSERT_RUN = `INSERT INTO runs (${RUN_COLUMNS.join(', ')})
  VALUES (${RUN_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${RUN_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

// Compared, not rewritten: an unchanged input costs no page write.
const UPSERT_INPUT = `INSERT INTO run_inputs (run_id, input) VALUES (?, ?)
  ON CONFLICT (run_id) DO UPDATE SET input = excluded.input WHERE input IS NOT excluded.input`;

const UPSERT_NODE = `INSERT INTO run_nodes (run_id, path, node_id, status, attempts, output,
    error, started_at, finished_at, state, out_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, path) DO UPDATE SET node_id = excluded.node_id, status = excluded.status,
    attempts = excluded.attempts, output = excluded.output, error = excluded.error,
    started_at = excluded.started_at, finished_at = excluded.finished_at, state = excluded.state,
    out_seq = excluded.out_seq`;

const INSERT_TIMER =
  'INSERT INTO timers (id, run_id, due_at, kind, path, data) VALUES (?, ?, ?, ?, ?, ?)';

/**
 * A conflict found before SQLite's constraints would: the data was written by someone else first.
 * The store turns it into `store_conflict`, as it does SQLite's key collisions.
 */
export class PlanConflict extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'PlanConflict';
  }
}

/** Writes commit plans on one connection, with statements prepared once. */
export class PlanApplier {
  /** @type {import('better-sqlite3').Database} */
  #db;
  /** @type {Map<number, import('better-sqlite3').Statement<unknown[]>>} */
  #updates = new Map();
  #updateRun;
  #upsertRun;
  #upsertInput;
  #deleteNode;
  #upsertNode;
  #insertEvents;
  #lastBefore;
  #deleteTimer;
  #insertTimer;
  /** @type {ClaimApplier | undefined} */
  #claims;

  /** @param {import('better-sqlite3').Database} db a connection to a migrated database */
  constructor(db) {
    this.#db = db;
    this.#updateRun = db.prepare(UPDATE_RUN);
    this.#upsertRun = db.prepare(UPSERT_RUN);
    this.#upsertInput = db.prepare(UPSERT_INPUT);
    this.#deleteNode = db.prepare('DELETE FROM run_nodes WHERE run_id = ? AND path = ?');
    this.#upsertNode = db.prepare(UPSERT_NODE);
    // A plain INSERT: an existing (run_id, first_seq) means two writers and fails the commit.
    this.#insertEvents = db.prepare(
      'INSERT INTO run_event_batches (run_id, first_seq, last_seq, events) VALUES (?, ?, ?, ?)',
    );
    this.#lastBefore = db
      .prepare(
        `SELECT last_seq FROM run_event_batches WHERE run_id = ? AND first_seq <= ?
         ORDER BY first_seq DESC LIMIT 1`,
      )
      .pluck();
    this.#deleteTimer = db.prepare('DELETE FROM timers WHERE id = ?');
    this.#insertTimer = db.prepare(INSERT_TIMER);
  }

  /** Sets a run's singleton key: its unique index refuses a second unfinished run of the key. */
  #setSingleton = (/** @type {string} */ key, /** @type {string} */ id) =>
    (this.#singleton ??= this.#db.prepare('UPDATE runs SET singleton_key = ? WHERE id = ?')).run(
      key,
      id,
    );
  /** @type {import('better-sqlite3').Statement<unknown[]> | undefined} */
  #singleton;

  /**
   * Writes the runs in order: the run row, the input unless unchanged, node rows, event rows,
   * timers. Rows are removed before they are written, so one commit can reset a node and write it
   * afresh, or move a timer under the same id. Call it inside a transaction.
   * @param {CommitPlan} plan
   * @throws {PlanConflict} when an event's seq is already stored.
   * @throws {import('./apply-claims.js').ClaimLost} when a claimed run is another worker's now.
   */
  apply(plan) {
    // Commits of workers sharing the file only: one test per run otherwise.
    const claims = plan.some((p) => p.claim !== undefined)
      ? (this.#claims ??= new ClaimApplier(this.#db, index('status'), index('seq')))
      : undefined;
    claims?.check(plan);
    for (const p of plan) {
      const id = /** @type {string} */ (p.row[0]);
      const fromPrevious = this.#writeRun(p);
      if (p.singleton !== undefined) this.#setSingleton(p.singleton, id);
      if (p.input !== undefined) this.#upsertInput.run(id, p.input);
      if (p.removeNodes !== undefined) {
        for (const path of p.removeNodes) this.#deleteNode.run(id, path);
      }
      for (const n of p.nodes) this.#upsertNode.run(n);
      // The row was at prevSeq, and a writer's events never run past its run's seq: the log is
      // free from prevSeq + 1 on.
      let free = fromPrevious && p.eventsFollowPrevious;
      for (const [first, last, entries] of p.events) {
        if (!free) this.#checkFree(id, first, last);
        free = false;
        this.#insertEvents.run(id, first, last, entries);
      }
      for (const timer of p.removeTimers) this.#deleteTimer.run(timer);
      for (const t of p.addTimers) this.#insertTimer.run(t);
    }
    claims?.settle(plan);
  }

  /**
   * Updates only the columns of the mask when the row is still at `prevSeq`, else writes it whole:
   * updated in place when its fixed fields are unchanged, else upserted. Returns true when the
   * row was found at `prevSeq` and updated from it.
   * @param {RunPlan} p
   */
  #writeRun(p) {
    const row = p.row;
    if (p.prevSeq !== null) {
      // Nothing differs from what the writer says the row holds: nothing to write.
      if (p.mask === 0) return false;
      const values = [];
      for (let i = 0; i < MUTABLE_AT.length; i++) {
        if ((p.mask & (1 << i)) !== 0) values.push(row[/** @type {number} */ (MUTABLE_AT[i])]);
      }
      if (this.#maskedUpdate(p.mask).run(...values, row[0], p.prevSeq).changes === 1) return true;
    }
    if (this.#updateRun.run(UPDATE_RUN_AT.map((i) => row[i])).changes === 0) {
      this.#upsertRun.run(row);
    }
    return false;
  }

  /** `UPDATE ... SET <the columns of the mask>`, prepared on first use. @param {number} mask */
  #maskedUpdate(mask) {
    let stmt = this.#updates.get(mask);
    if (stmt === undefined) {
      const set = MUTABLE.filter((_, i) => (mask & (1 << i)) !== 0).map((c) => `${c} = ?`);
      stmt = this.#db.prepare(`UPDATE runs SET ${set.join(', ')} WHERE id = ? AND seq = ?`);
      this.#updates.set(mask, stmt);
    }
    return stmt;
  }

  /**
   * Rows never overlap, so only the row starting last at or before `last` can hold [first, last].
   * @param {string} runId @param {number} first @param {number} last
   */
  #checkFree(runId, first, last) {
    const before = /** @type {number | undefined} */ (this.#lastBefore.get(runId, last));
    if (before !== undefined && before >= first) {
      throw new PlanConflict(
        `run ${runId} already has an event with a seq from ${first} to ${last}`,
      );
    }
  }
}
