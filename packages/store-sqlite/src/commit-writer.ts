/**
 * @module commit-writer
 * Where a store's commits are written. {@link InlineWriter} writes on the store's own connection,
 * in the caller's thread: the event loop waits through every fsync. {@link ThreadWriter} hands the
 * plan to a worker thread with a connection of its own (`writer-thread.js`) and resolves once that
 * thread has committed: the event loop goes on meanwhile (the runner decides the next batch). A
 * `:memory:` database is private to its connection, so it can only be written inline.
 */
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { PlanApplier, PlanConflict, type CommitPlan } from './apply-plan.js';
import { ClaimLost } from './apply-claims.js';

export interface CommitWriter {
  /** Writes the plan in one IMMEDIATE transaction: resolves once committed, rejects rolled back. */
  write(plan: CommitPlan): void | Promise<void>;
  /** Caps the file at `pages` pages for the commits that follow (see `setMaxPageCount`). */
  maxPageCount(pages: number): void;
  /** Closes what the writer opened; call it when no write is pending. */
  close(): Promise<void>;
}

/** Writes on the store's own connection, synchronously. */
export class InlineWriter implements CommitWriter {
  readonly #db: Database.Database;
  #commit: Database.Transaction<(plan: CommitPlan) => void> | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  write(plan: CommitPlan): void {
    // Prepared at the first commit: the tables exist only once the store has migrated.
    if (this.#commit === undefined) {
      const applier = new PlanApplier(this.#db);
      this.#commit = this.#db.transaction((p: CommitPlan) => applier.apply(p));
    }
    this.#commit.immediate(plan);
  }

  maxPageCount(): void {
    // The store's connection is the one that commits: its own pragma covers the commits.
  }

  async close(): Promise<void> {}
}

/** What the writer thread is opened with. */
export interface ThreadSettings {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  /** Crash tests only: each transaction is held open this long before it commits. */
  holdMs: number;
}

interface Pending {
  resolve(): void;
  reject(error: unknown): void;
}

interface Reply {
  id: number;
  error?: { name: string; message: string; code?: unknown };
}

/** Writes in a worker thread, with its own connection to the file. */
export class ThreadWriter implements CommitWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  /** Why the thread can no longer write (it failed to start, or died). */
  #broken: unknown;
  readonly #exited: Promise<void>;

  constructor(settings: ThreadSettings) {
    this.#worker = new Worker(new URL('./writer-thread.js', import.meta.url), {
      workerData: settings,
    });
    // An idle writer keeps no process alive; a pending commit does (see write).
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#fail(new Error('the SQLite writer thread exited'));
        resolve();
      }),
    );
  }

  write(plan: CommitPlan): Promise<void> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    const id = ++this.#next;
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      // As JSON text: stringifying the plan and parsing it in the thread cost about half what
      // cloning it as objects does (docs/benchmarks.md, "The writer thread").
      this.#worker.postMessage({ type: 'commit', id, plan: JSON.stringify(plan) });
    });
  }

  maxPageCount(pages: number): void {
    this.#worker.postMessage({ type: 'max-page-count', pages });
  }

  async close(): Promise<void> {
    if (this.#broken === undefined) {
      // Referenced until it has exited: the process must not end with the file half closed.
      this.#worker.ref();
      this.#worker.postMessage({ type: 'close' });
    }
    await this.#exited;
  }

  #settle(reply: Reply): void {
    const p = this.#pending.get(reply.id);
    if (p === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.error === undefined) p.resolve();
    else p.reject(errorOf(reply.error));
  }

  #fail(error: unknown): void {
    this.#broken ??= error;
    for (const p of this.#pending.values()) p.reject(this.#broken);
    this.#pending.clear();
  }
}

/** The error the thread's transaction failed with, as the store's own connection would throw it. */
function errorOf(e: NonNullable<Reply['error']>): Error {
  if (e.name === 'PlanConflict') return new PlanConflict(e.message);
  if (e.name === 'ClaimLost') return new ClaimLost(JSON.parse(e.message) as string[]);
  if (e.name === 'SqliteError' && typeof e.code === 'string') {
    return new Database.SqliteError(e.message, e.code);
  }
  return new Error(e.message);
}
