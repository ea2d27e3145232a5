/**
 * @module writer-thread
 * The writer thread of a SQLite store opened with `writer: 'thread'` (see `commit-writer.ts`). It
 * owns a connection of its own to the store's file and writes the commit plans it is sent, one
 * transaction each, in the order they come, answering each once it has committed (or failed).
 * The main thread meanwhile goes on deciding; WAL lets its connection read beside this one.
 *
 * Messages in: `{ type: 'commit', id, plan }` (the plan as JSON text), `{ type: 'max-page-count',
 * pages }`, `{ type: 'close' }`. Out: `{ id }` or `{ id, error: { name, message, code } }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { PlanApplier } from './apply-plan.js';

/**
 * @type {{ path: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number, holdMs: number }}
 */
const settings = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

const db = new Database(settings.path, { timeout: settings.busyTimeoutMs, fileMustExist: true });
// Per connection, as the store's own connection has them (the file is in WAL mode already).
db.pragma(`synchronous = ${settings.synchronous}`);
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = FAST');

/** Prepared at the first commit: the tables exist only once the store has migrated. */
/** @type {PlanApplier | undefined} */
let applier;
const held = new Int32Array(new SharedArrayBuffer(4));
const commit = db.transaction((/** @type {import('./apply-plan.js').CommitPlan} */ plan) => {
  (applier ??= new PlanApplier(db)).apply(plan);
  // For crash tests: the transaction stays open (the write lock held, nothing committed) this long,
  // so that a kill lands inside it.
  if (settings.holdMs > 0) Atomics.wait(held, 0, 0, settings.holdMs);
});

port.on('message', (/** @type {Message} */ m) => {
  switch (m.type) {
    case 'commit':
      try {
        commit.immediate(JSON.parse(m.plan));
        port.postMessage({ id: m.id });
      } catch (error) {
        const e = /** @type {{ name?: unknown, message?: unknown, code?: unknown }} */ (error);
        port.postMessage({
          id: m.id,
          error: { name: String(e?.name), message: String(e?.message ?? error), code: e?.code },
        });
      }
      return;
    case 'max-page-count':
      db.pragma(`max_page_count = ${m.pages}`);
      return;
    case 'close':
      db.close();
      port.close();
      return;
  }
});

/**
 * @typedef {{ type: 'commit', id: number, plan: string }
 *   | { type: 'max-page-count', pages: number }
 *   | { type: 'close' }} Message
 */
