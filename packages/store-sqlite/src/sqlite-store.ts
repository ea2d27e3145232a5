/**
 * @module sqlite-store
 * Weft's embedded store: one SQLite file (or `:memory:`) through better-sqlite3's synchronous API.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: '.weft/weft.db' });
 * await store.migrate();
 * await store.commit([{ run, nodes: [], events: [startedEvent], addTimers: [], removeTimers: [] }]);
 * await store.close();
 * ```
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger, WeftError } from '@weft/core';
import type {
  ApiKeyRecord,
  ClusterPorts,
  CredentialRecord,
  CredentialSummary,
  CredentialWrite,
  DebounceRecord,
  DebounceStart,
  KnowledgeChunk,
  KnowledgeCollection,
  KnowledgeMatch,
  KnowledgeQuery,
  Logger,
  MemoryMessage,
  MemoryWindow,
  NodeRecord,
  PruneQuery,
  RateAnswer,
  RateRelease,
  RateTake,
  TokenSpend,
  TokenWindow,
  RunEvent,
  RunQuery,
  RunRecord,
  RunStatus,
  RunWrite,
  ScheduleRecord,
  ScheduleSpec,
  ResealedCredential,
  Store,
  TenantMove,
  StoredWorkflow,
  TimerRecord,
  WorkflowDefinition,
  WebhookDelivery,
  WorkflowSummary,
} from '@weft/core';
import { BulkLoader } from './bulk-load.js';
import { ApiKeyTable, CredentialTable } from './credentials.js';
import { acquireProcessLock, acquireSharedLock, type ProcessLock } from './lock.js';
import { SqliteBus } from './bus.js';
import { endDeadLeases, handOverUnheld, SqliteClaims } from './claims.js';
import { claimIdentity } from './identity.js';
import { applyMigrations, missingMigrations } from './migrate.js';
import { EventLog } from './event-log.js';
import { KnowledgeTable, MemoryTable } from './memory.js';
import {
  checkPruneQuery,
  nodeFromRow,
  normalisedPruneQuery,
  runFromRow,
  summaryFromRow,
  timerFromRow,
  workflowFromRow,
} from '@weft/core/store-kit';
import { convertToIncremental, enableIncrementalVacuum, reclaimSpace } from './reclaim.js';
import { RateTable } from './rates.js';
import { TokenBudgetTable } from './token-budgets.js';
import { StartKeyTable } from './start-keys.js';
import { RunDeleter } from './retention.js';
import { RunLister } from './run-query.js';
import { DeliveryTable, MetaTable, ScheduleTable } from './schedules.js';
import { guardStorage, storageError } from './storage-errors.js';
import { prepareStatements, type Statements } from './statements.js';
import { tenantMover } from './tenants.js';
import { publishWorkflow } from './workflows.js';
import { conflictOrSelf, planWrites } from './write.js';
import { InlineWriter, ThreadWriter, type CommitWriter } from './commit-writer.js';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** A database file (its directory is created if missing), or `':memory:'`. */
  path: string;
  /**
   * `FULL` syncs the WAL on every commit: a committed write survives power loss. `NORMAL` syncs only
   * at checkpoints: it survives a process crash but may lose the last commits on power loss.
   * @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Claim the file for this process (see `lock.ts`); a second engine on it is refused. Readers
   * that only list or inspect pass `false` to open it alongside the engine.
   * @default true for files, false for `:memory:`
   */
  lock?: boolean;
  /**
   * Open the file as one of many processes on it, on this machine: the store offers `cluster`
   * ports (leases, fenced claims, a bus over the file: see `claims.ts`, `bus.ts`), and the lock
   * (unless `lock: false`) is shared with the other processes that open it so, refusing only a
   * process that holds the file alone. Not for `:memory:`. @default false
   */
  shared?: boolean;
  /** How long a statement waits for another connection's write lock. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * Where commits are written. `'thread'`: a worker thread with a connection of its own writes
   * each commit while this thread goes on (it decides the next batch meanwhile); `'inline'`: this
   * thread writes it and waits through the fsync. `:memory:` is always written inline (its
   * database belongs to one connection). See docs/architecture.md, "The writer thread".
   * @default 'inline'
   */
  writer?: 'thread' | 'inline';
  /**
   * Crash tests only: the writer thread holds each transaction open this long before it commits,
   * so that a kill lands inside one. @default 0
   */
  writerHoldMs?: number;
  /** Where the one-time conversion of an old file to incremental vacuum is told. */
  log?: Logger;
}

/** The settings in effect, as SQLite reports them (for benchmarks and `weft doctor`). */
export interface SqlitePragmas {
  journal_mode: string;
  synchronous: string;
}

const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

type PublishResult = { version: number; created: boolean };

/**
 * Opens (creating if needed) a SQLite store. Call {@link SqliteStore.migrate} before use.
 * Every method's storage faults are WeftErrors (`storage_full`, `storage_error`,
 * `storage_corrupt`; see `storage-errors.ts`).
 * @throws WeftError `store_locked` when another live process holds the file, `store_not_weft`
 *   when it is another application's database, `storage_corrupt` when it is not a database.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const memory = options.path === ':memory:';
  if (memory && options.shared === true) {
    throw new WeftError(
      'invalid_argument',
      'a :memory: database cannot be shared between processes',
    );
  }
  if (!memory) mkdirSync(dirname(options.path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw storageError(error, options.path);
  }
  try {
    // Writes nothing yet: a new file only takes it before its first table.
    enableIncrementalVacuum(db);
    // First, and read-only: another application's file is refused before anything is written.
    claimIdentity(db, options.path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    // Deleted rows are zeroed on pages that are written anyway: a deleted run leaves no bytes.
    db.pragma('secure_delete = FAST');
    const shared = options.shared === true;
    const lock =
      (options.lock ?? !memory)
        ? (shared ? acquireSharedLock : acquireProcessLock)(db, options.path)
        : undefined;
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const writer =
      memory || (options.writer ?? 'inline') === 'inline'
        ? new InlineWriter(db)
        : new ThreadWriter({
            path: options.path,
            synchronous: options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL',
            busyTimeoutMs,
            holdMs: options.writerHoldMs ?? 0,
          });
    const store = new SqliteStore(db, options.path, lock, writer, {
      busyTimeoutMs,
      log: options.log ?? silentLogger,
      shared,
    });
    return guardStorage(store, options.path);
  } catch (error) {
    db.close();
    throw storageError(error, options.path);
  }
}

/** The SQLite implementation of the core's {@link Store}. Create it with {@link openSqliteStore}. */
export class SqliteStore implements Store {
  /** The file as given, or `:memory:`. */
  readonly path: string;
  /** The journal mode and synchronous level in effect. */
  readonly pragmas: SqlitePragmas;
  /** Where commits are written (see {@link SqliteStoreOptions.writer}). */
  readonly writer: 'thread' | 'inline';
  /** Present when the file is opened shared (see {@link SqliteStoreOptions.shared}). */
  readonly cluster?: ClusterPorts;
  readonly #bus: SqliteBus | undefined;
  readonly #db: Database.Database;
  readonly #lock: ProcessLock | undefined;
  readonly #busyTimeoutMs: number;
  readonly #log: Logger;
  readonly #lister: RunLister;
  readonly #writer: CommitWriter;
  /**
   * The write in progress and those queued behind it, or undefined when none is: writes on this
   * connection wait for the commits before them, so that they land in the order they were asked
   * for, and never beside the writer thread's transaction.
   */
  #tail: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;
  readonly #loadRun: Database.Transaction<
    (id: string) => { run: RunRecord; nodes: NodeRecord[] } | undefined
  >;
  readonly #saveWorkflow: Database.Transaction<
    (tenant: string, def: WorkflowDefinition, source: string, hash: string) => PublishResult
  >;
  readonly #deleteWorkflow: Database.Transaction<(tenant: string, id: string) => boolean>;
  #statements: Statements | undefined;
  #events: EventLog | undefined;
  /** Prepared on first use, after migrations. */
  #bulk: BulkLoader | undefined;
  /** Prepared on first use, after migrations. */
  #moveTenant: ReturnType<typeof tenantMover> | undefined;
  #tables: Tables | undefined;
  #deleter: RunDeleter | undefined;

  /** @internal use {@link openSqliteStore}. */
  constructor(
    db: Database.Database,
    path: string,
    lock: ProcessLock | undefined,
    writer: CommitWriter,
    settings: { busyTimeoutMs: number; log: Logger; shared: boolean },
  ) {
    this.#db = db;
    this.#writer = writer;
    this.writer = writer instanceof ThreadWriter ? 'thread' : 'inline';
    this.path = path;
    this.#lock = lock;
    this.#busyTimeoutMs = settings.busyTimeoutMs;
    this.#log = settings.log;
    this.#lister = new RunLister(db);
    if (settings.shared) {
      const serially = <T>(write: () => T) => this.#serially(write);
      const bus = new SqliteBus(db, serially, settings.log);
      this.#bus = bus;
      this.cluster = {
        claims: guardStorage(new SqliteClaims(db, serially, bus), path),
        bus: guardStorage(bus, path),
      };
    }
    this.pragmas = {
      journal_mode: String(db.pragma('journal_mode', { simple: true })),
      synchronous:
        SYNCHRONOUS_NAMES[Number(db.pragma('synchronous', { simple: true }))] ?? 'unknown',
    };
    this.#loadRun = db.transaction((id: string) => {
      const row = this.#s.getRun.get(id);
      if (row === undefined) return undefined;
      return { run: runFromRow(row), nodes: this.#s.nodesOfRun.all(id).map(nodeFromRow) };
    });
    this.#saveWorkflow = db.transaction(
      (tenant: string, def: WorkflowDefinition, source: string, hash: string) =>
        publishWorkflow(this.#s, tenant, def, source, hash),
    );
    this.#deleteWorkflow = db.transaction((tenant: string, id: string) => {
      this.#t.schedules.deleteOfWorkflow(tenant, id);
      return this.#s.deleteWorkflow.run(new Date().toISOString(), tenant, id).changes > 0;
    });
  }

  /** Prepared lazily: the tables exist only once {@link migrate} has run. */
  get #s(): Statements {
    return (this.#statements ??= prepareStatements(this.#db));
  }

  /**
   * Runs `write` once the writes asked for before it are done. With nothing in progress it runs at
   * once: an inline commit is written before `commit` returns, as with a plain transaction.
   */
  #serially<T>(write: () => T | Promise<T>): Promise<T> {
    const run = async () => write();
    const done = this.#tail === undefined ? run() : this.#tail.then(run);
    const tail = done.then(
      () => undefined,
      () => undefined,
    );
    this.#tail = tail;
    void tail.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    return done;
  }

  /** The tables of credentials, keys and triggers; prepared lazily like {@link #s}. */
  get #t(): Tables {
    return (this.#tables ??= {
      credentials: new CredentialTable(this.#db),
      keys: new ApiKeyTable(this.#db),
      schedules: new ScheduleTable(this.#db),
      deliveries: new DeliveryTable(this.#db),
      meta: new MetaTable(this.#db),
      memory: new MemoryTable(this.#db),
      knowledge: new KnowledgeTable(this.#db),
      rates: new RateTable(this.#db),
      tokens: new TokenBudgetTable(this.#db),
    });
  }

  async migrate(): Promise<void> {
    // Processes that share the file run on its schema: one of a newer Weft must not change it
    // beneath them (a new file is made by whichever comes first, the others wait their turn).
    const missing = this.#lock?.first === false ? missingMigrations(this.#db) : [];
    if (missing.length > 0) {
      throw new WeftError(
        'store_locked',
        `database ${this.path} is in use by processes of an older Weft (its schema lacks ${missing.join(', ')}): stop them, then start this version`,
        { level: 'operational' },
      );
    }
    applyMigrations(this.#db, this.path);
    // Only a holder alone rewrites the file: a reader beside a running server must not, nor one
    // process of many.
    if (this.#lock !== undefined && this.cluster === undefined) {
      convertToIncremental(this.#db, this.path, this.#log);
    }
    if (this.cluster !== undefined && this.#lock !== undefined) this.#adoptLeftovers();
  }

  /**
   * What processes that are gone left in flight is for the workers to take at once: the leases of
   * dead workers end (their runs are claimable now, not when the lease would lapse), and when no
   * other process has the file, the runs a process that held it alone left running are handed over.
   */
  #adoptLeftovers(): void {
    this.#db
      .transaction(() => {
        const ended = endDeadLeases(this.#db);
        const handed = this.#lock?.first === true ? handOverUnheld(this.#db) : 0;
        if (ended || handed > 0) this.#bus?.announce('{"kind":"wake"}');
      })
      .immediate();
  }

  /**
   * Records in the process lock the URL this process serves the database's API at (undefined
   * clears it), so that commands on the same file go through the server instead of being refused.
   * Nothing to record without the lock.
   */
  announceServer(url: string | undefined): void {
    if (this.#db.open) this.#lock?.announce(url);
  }

  /**
   * Waits for the writes in progress, stops the writer thread, releases the process lock and closes
   * the database. Closing twice is harmless.
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    if (!this.#db.open) return;
    this.#bus?.close();
    await this.#tail;
    try {
      await this.#writer.close();
      this.#lock?.release();
    } finally {
      this.#db.close();
    }
  }

  /**
   * Caps the file at `pages` pages of this connection: a write past it fails with `storage_full`,
   * as on a full disk. A quota on a shared disk; tests use it to fill the disk for real.
   * @returns the cap in effect (SQLite never sets it below the file's current size).
   */
  setMaxPageCount(pages: number): number {
    if (!Number.isInteger(pages) || pages < 1) {
      throw new WeftError('invalid_argument', `max page count must be a positive integer`);
    }
    const cap = Number(this.#db.pragma(`max_page_count = ${pages}`, { simple: true }));
    this.#writer.maxPageCount(pages);
    return cap;
  }

  /** Runs `PRAGMA integrity_check`: `'ok'`, or SQLite's list of problems, one per line. */
  integrityCheck(): string {
    const rows = this.#db.pragma('integrity_check', { simple: false }) as {
      integrity_check: string;
    }[];
    return rows.map((r) => r.integrity_check).join('\n');
  }

  async saveWorkflow(w: {
    tenant: string;
    definition: WorkflowDefinition;
    source: string;
    hash: string;
  }): Promise<{ version: number; created: boolean }> {
    return this.#serially(() =>
      this.#saveWorkflow.immediate(w.tenant, w.definition, w.source, w.hash),
    );
  }

  async getWorkflow(
    tenant: string,
    id: string,
    version?: number,
    options: { includeDeleted?: boolean } = {},
  ): Promise<StoredWorkflow | undefined> {
    const s = this.#s;
    const any = options.includeDeleted === true;
    const row =
      version === undefined
        ? (any ? s.latestWorkflowAny : s.latestWorkflow).get(tenant, id)
        : (any ? s.workflowVersionAny : s.workflowVersion).get(tenant, id, version);
    return row === undefined ? undefined : workflowFromRow(row);
  }

  async latestWorkflowVersion(tenant: string, id: string): Promise<number | undefined> {
    return this.#s.latestVersion.get(tenant, id) ?? undefined;
  }

  async listWorkflows(tenant: string): Promise<WorkflowSummary[]> {
    return this.#s.listWorkflows.all(tenant, tenant).map(summaryFromRow);
  }

  async deleteWorkflow(tenant: string, id: string): Promise<boolean> {
    return this.#serially(() => this.#deleteWorkflow.immediate(tenant, id));
  }

  async commit(writes: readonly RunWrite[]): Promise<void> {
    if (writes.length === 0) return;
    // Planned now: the records are compared by identity, and serialised as they are at the call.
    const plan = planWrites(writes);
    try {
      await this.#serially(() => this.#writer.write(plan));
    } catch (error) {
      throw conflictOrSelf(error);
    }
    // A commit of claimed runs wrote bus messages: this process's subscribers hear them at once.
    if (this.#bus !== undefined && plan.some((p) => p.claim !== undefined)) this.#bus.poke();
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.#s.getRun.get(id);
    return row === undefined ? undefined : runFromRow(row);
  }

  async loadRun(id: string): Promise<{ run: RunRecord; nodes: NodeRecord[] } | undefined> {
    // A read transaction: the run row and its nodes come from the same commit.
    return this.#loadRun.deferred(id);
  }

  async loadRuns(ids: readonly string[]): Promise<{ run: RunRecord; nodes: NodeRecord[] }[]> {
    return (this.#bulk ??= new BulkLoader(this.#db)).load(ids);
  }

  async listRuns(query: RunQuery): Promise<{ runs: RunRecord[]; cursor?: string }> {
    const { rows, cursor } = this.#lister.page(query);
    const runs = rows.map(runFromRow);
    return cursor === undefined ? { runs } : { runs, cursor };
  }

  async findRunByIdempotencyKey(
    tenant: string,
    workflowId: string,
    key: string,
  ): Promise<RunRecord | undefined> {
    const row = this.#s.runByKey.get(tenant, workflowId, key);
    return row === undefined ? undefined : runFromRow(row);
  }

  async readEvents(runId: string, afterSeq: number, limit?: number): Promise<RunEvent[]> {
    return (this.#events ??= new EventLog(this.#db)).read(runId, afterSeq, limit);
  }

  async runIdsByStatus(statuses: readonly RunStatus[], limit?: number): Promise<string[]> {
    if (statuses.length === 0) return [];
    return this.#s.runIdsByStatus.all(
      JSON.stringify(statuses),
      limit === undefined ? -1 : Math.max(0, limit),
    );
  }

  /** The concurrency keys' statements, prepared on first use: most databases never need them. */
  #keys?: {
    put: Database.Statement<[string, number, string]>;
    holding: Database.Statement<[string, string], number>;
    waiting: Database.Statement<[string, string, number], string>;
  };

  #keyStatements() {
    return (this.#keys ??= {
      put: this.#db.prepare(
        `INSERT INTO run_keys (run_id, key, lim)
         SELECT id, ?, ? FROM runs WHERE id = ?
         ON CONFLICT (run_id) DO UPDATE SET key = excluded.key, lim = excluded.lim`,
      ),
      holding: this.#db
        .prepare<[string, string], number>(
          // A queued run a worker claimed to start holds its place too (shared files only).
          `SELECT count(*) FROM run_keys k JOIN runs r ON r.id = k.run_id
           WHERE r.tenant = ? AND k.key = ? AND r.status NOT IN ('succeeded', 'failed', 'cancelled')
             AND (r.status <> 'queued' OR EXISTS (
               SELECT 1 FROM run_claims c WHERE c.run_id = r.id AND c.owner IS NOT NULL))`,
        )
        .pluck(),
      waiting: this.#db
        .prepare<[string, string, number], string>(
          `SELECT r.id FROM run_keys k JOIN runs r ON r.id = k.run_id
           WHERE r.tenant = ? AND k.key = ? AND r.status = 'queued'
             AND NOT EXISTS (SELECT 1 FROM run_claims c WHERE c.run_id = r.id AND c.owner IS NOT NULL)
           ORDER BY r.priority DESC, r.created_at, r.id LIMIT ?`,
        )
        .pluck(),
    });
  }

  async keyRun(runId: string, key: string, limit: number): Promise<void> {
    await this.#serially(() => this.#keyStatements().put.run(key, limit, runId));
  }

  async keyedHolding(tenant: string, key: string): Promise<number> {
    return this.#keyStatements().holding.get(tenant, key) ?? 0;
  }

  async keyedWaiting(tenant: string, key: string, limit: number): Promise<string[]> {
    return this.#keyStatements().waiting.all(tenant, key, Math.max(0, limit));
  }

  async dueTimers(now: number, limit: number): Promise<TimerRecord[]> {
    return this.#s.dueTimers.all(now, Math.max(0, limit)).map(timerFromRow);
  }

  async nextTimerDue(): Promise<number | undefined> {
    return this.#s.nextTimerDue.get() ?? undefined;
  }

  async deleteRun(tenant: string, id: string): Promise<boolean> {
    const deleter = (this.#deleter ??= new RunDeleter(this.#db));
    return this.#serially(() => deleter.deleteRun(tenant, id));
  }

  async pruneRuns(query: PruneQuery): Promise<number> {
    checkPruneQuery(query);
    const q = normalisedPruneQuery(query);
    const deleter = (this.#deleter ??= new RunDeleter(this.#db));
    let deleted = 0;
    let after: Parameters<RunDeleter['pruneBatch']>[1];
    do {
      const from = after;
      const step = await this.#serially(() => deleter.pruneBatch(q, from));
      deleted += step.deleted;
      after = step.next;
      // Between batches, the engine's commits get the database.
      if (after !== undefined) await new Promise((resolve) => setImmediate(resolve));
    } while (after !== undefined && this.#db.open);
    return deleted;
  }

  async reclaimSpace(): Promise<number> {
    return reclaimSpace(this.#db, this.path, this.#busyTimeoutMs);
  }

  async workflowIds(): Promise<{ tenant: string; id: string }[]> {
    return this.#s.workflowIds.all();
  }

  async putCredential(c: CredentialWrite): Promise<{ created: boolean }> {
    return this.#serially(() => this.#t.credentials.put(c));
  }

  async getCredential(tenant: string, name: string): Promise<CredentialRecord | undefined> {
    return this.#t.credentials.get(tenant, name);
  }

  async listCredentials(tenant: string): Promise<CredentialSummary[]> {
    return this.#t.credentials.list(tenant);
  }

  async deleteCredential(tenant: string, name: string): Promise<boolean> {
    return this.#serially(() => this.#t.credentials.delete(tenant, name));
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.#serially(() => this.#t.keys.create(k));
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#t.keys.findByHash(hash);
  }

  async listApiKeys(tenant: string): Promise<ApiKeyRecord[]> {
    return this.#t.keys.list(tenant);
  }

  async deleteApiKey(tenant: string, id: string): Promise<boolean> {
    return this.#serially(() => this.#t.keys.delete(tenant, id));
  }

  async hasApiKeys(): Promise<boolean> {
    return this.#t.keys.any();
  }

  async replaceSchedules(
    tenant: string,
    workflowId: string,
    schedules: readonly ScheduleSpec[],
  ): Promise<void> {
    await this.#serially(() => this.#t.schedules.replace(tenant, workflowId, schedules));
  }

  async listSchedules(tenant: string, workflowId?: string): Promise<ScheduleRecord[]> {
    return this.#t.schedules.list(tenant, workflowId);
  }

  async dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    return this.#t.schedules.due(now, limit);
  }

  async nextScheduleDue(): Promise<number | undefined> {
    return this.#t.schedules.next();
  }

  async claimDueSchedule(id: string, expectedDue: number, nextDue: number): Promise<boolean> {
    return this.#serially(() => this.#t.schedules.claim(id, expectedDue, nextDue));
  }

  async recordDelivery(d: WebhookDelivery): Promise<{ runId: string; created: boolean }> {
    return this.#serially(() => this.#t.deliveries.record(d));
  }

  async findDelivery(
    tenant: string,
    path: string,
    deliveryId: string,
  ): Promise<string | undefined> {
    return this.#t.deliveries.find(tenant, path, deliveryId);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.#t.meta.get(key);
  }

  async moveTenant(
    from: string,
    to: string,
    credentials: readonly ResealedCredential[],
  ): Promise<TenantMove> {
    const move = (this.#moveTenant ??= tenantMover(this.#db));
    return this.#serially(() => move.immediate(from, to, credentials));
  }

  async appendMemory(
    tenant: string,
    session: string,
    messages: readonly MemoryMessage[],
    at: string,
  ): Promise<{ total: number }> {
    return this.#serially(() => this.#t.memory.append(tenant, session, messages, at));
  }

  async readMemory(
    tenant: string,
    session: string,
    window?: MemoryWindow,
  ): Promise<MemoryMessage[]> {
    return this.#t.memory.read(tenant, session, window);
  }

  async clearMemory(tenant: string, session: string): Promise<number> {
    return this.#serially(() => this.#t.memory.clear(tenant, session));
  }

  async knowledgeCollection(
    tenant: string,
    name: string,
  ): Promise<KnowledgeCollection | undefined> {
    return this.#t.knowledge.collection(tenant, name);
  }

  async addKnowledge(
    tenant: string,
    collection: string,
    chunks: readonly KnowledgeChunk[],
    at: string,
  ): Promise<string[]> {
    return this.#serially(() => this.#t.knowledge.add(tenant, collection, chunks, at));
  }

  async queryKnowledge(
    tenant: string,
    collection: string,
    q: KnowledgeQuery,
  ): Promise<KnowledgeMatch[]> {
    return this.#t.knowledge.query(tenant, collection, q);
  }

  /** Prepared on first use: most databases never need them. */
  #startKeyTable?: StartKeyTable;

  get #startKeys(): StartKeyTable {
    return (this.#startKeyTable ??= new StartKeyTable(this.#db));
  }

  async findSingletonRun(
    tenant: string,
    workflowId: string,
    key: string,
  ): Promise<RunRecord | undefined> {
    return this.#startKeys.findSingletonRun(tenant, workflowId, key);
  }

  async debounceStart(
    d: DebounceStart,
  ): Promise<{ runId: string; created: boolean; dueAt: number }> {
    return this.#serially(() => this.#startKeys.debounceStart(d));
  }

  async dueDebounces(now: number, limit: number): Promise<DebounceRecord[]> {
    return this.#startKeys.dueDebounces(now, limit);
  }

  async nextDebounceDue(): Promise<number | undefined> {
    return this.#startKeys.nextDebounceDue();
  }

  async claimDebounce(runId: string, rev: number, leaseUntil: number): Promise<boolean> {
    return this.#serially(() => this.#startKeys.claimDebounce(runId, rev, leaseUntil));
  }

  async deleteDebounce(runId: string): Promise<void> {
    await this.#serially(() => this.#startKeys.deleteDebounce(runId));
  }

  async takeRateToken(take: RateTake): Promise<RateAnswer> {
    return this.#serially(() => this.#t.rates.take(take));
  }

  async releaseRateToken(release: RateRelease): Promise<void> {
    await this.#serially(() => this.#t.rates.release(release));
  }

  async spendTokens(spend: TokenSpend): Promise<number> {
    return this.#serially(() => this.#t.tokens.spend(spend));
  }

  async tokensSpent(window: TokenWindow): Promise<number> {
    return this.#t.tokens.spent(window);
  }

  async setMeta(
    key: string,
    value: string,
    options: { ifAbsent?: boolean } = {},
  ): Promise<boolean> {
    return this.#serially(() => this.#t.meta.set(key, value, options.ifAbsent === true));
  }
}

interface Tables {
  credentials: CredentialTable;
  keys: ApiKeyTable;
  schedules: ScheduleTable;
  deliveries: DeliveryTable;
  meta: MetaTable;
  memory: MemoryTable;
  knowledge: KnowledgeTable;
  rates: RateTable;
  tokens: TokenBudgetTable;
}
