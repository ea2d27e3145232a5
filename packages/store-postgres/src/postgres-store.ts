/**
 * @module postgres-store
 * Weft's store on PostgreSQL through a `pg` connection pool. Tables live in the connection's
 * current schema (the search path), so one database can hold several Weft databases apart.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore({ url: 'postgres://weft@db.internal/weft' });
 * await store.migrate();
 * await store.commit([{ run, nodes: [], events: [startedEvent], addTimers: [], removeTimers: [] }]);
 * await store.close();
 * ```
 */
import type pg from 'pg';
import { silentLogger, type ClusterPorts, type Logger } from '@weft/core';
import type {
  ApiKeyRecord,
  CredentialRecord,
  CredentialSummary,
  CredentialWrite,
  DebounceRecord,
  DebounceStart,
  KnowledgeChunk,
  KnowledgeCollection,
  KnowledgeMatch,
  KnowledgeQuery,
  MemoryMessage,
  MemoryWindow,
  NodeRecord,
  PruneQuery,
  RateAnswer,
  RateRelease,
  RateTake,
  TokenSpend,
  TokenWindow,
  ResealedCredential,
  RunEvent,
  RunQuery,
  RunRecord,
  RunStatus,
  RunWrite,
  ScheduleRecord,
  ScheduleSpec,
  Store,
  StoredWorkflow,
  TenantMove,
  TimerRecord,
  WebhookDelivery,
  WorkflowDefinition,
  WorkflowSummary,
} from '@weft/core';
import { PostgresBus } from './bus.js';
import { PostgresClaims } from './claims.js';
import { checkUrl, createClient, createPool, inTransaction, redactUrl } from './connect.js';
import { conflictOrSelf, guardStorage, storageError } from './errors.js';
import { readEvents } from './event-log.js';
import { applyMigrations, checkSchema } from './migrate.js';
import { releaseRateToken, takeRateToken } from './rates.js';
import { spendTokens, tokensSpent } from './token-budgets.js';
import { deleteRun, pruneRuns } from './retention.js';
import {
  checkPruneQuery,
  runFromRow,
  TIMER_COLUMNS,
  timerFromRow,
  type RunRow,
  type TimerRow,
} from '@weft/core/store-kit';
import { loadedFromRow, RUN_SELECT, RUN_WITH_NODES_SELECT, type RunWithNodesRow } from './rows.js';
import { KnowledgeTable, MemoryTable } from './memory.js';
import { listRunRows } from './run-list.js';
import { ApiKeyTable, CredentialTable, DeliveryTable, MetaTable, ScheduleTable } from './tables.js';
import { moveTenant } from './tenants.js';
import { WorkflowTable } from './workflows.js';
import { writeRuns } from './write.js';
import * as startKeys from './start-keys.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (libpq's URL form). */
  url: string;
  /** The schema Weft's tables live in (it must exist). @default the URL's search path */
  schema?: string;
  /** Connections at most. @default 10 */
  poolSize?: number;
  /**
   * Commits of one process in progress at once, each of other runs (see `Store.commitsInFlight`).
   * Two keep both of a small server's cores busy while the engine decides the next. @default 2
   */
  commitsInFlight?: number;
  /** Where lost connections are told. */
  log?: Logger;
}

type Loaded = { run: RunRecord; nodes: NodeRecord[] };

/** Ids per bulk read: each chunk is one statement. */
const CHUNK = 500;

/**
 * Connects, and checks that the schema is empty or Weft's, writing nothing. Call
 * {@link PostgresStore.migrate} before use. Every method's faults are WeftErrors where they are
 * the server's (see `errors.ts`).
 * @throws WeftError `invalid_argument` for a URL that is not PostgreSQL's, `storage_error` when the
 *   server cannot be reached or refuses the login, `store_not_weft` for another application's
 *   tables, `store_too_new` for a schema a newer Weft wrote.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  checkUrl(options.url);
  const label = redactUrl(options.url);
  const log = options.log ?? silentLogger;
  const pool = createPool({
    url: options.url,
    schema: options.schema,
    max: options.poolSize ?? 10,
    log,
    label,
  });
  try {
    const client = await pool.connect();
    try {
      await checkSchema(client, label);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw storageError(error, label);
  }
  const bus = new PostgresBus({
    pool,
    client: () => createClient({ url: options.url, schema: options.schema }),
    log,
    label,
  });
  const store = new PostgresStore(pool, label, bus, options.commitsInFlight ?? 2);
  return guardStorage(store, label);
}

/** The PostgreSQL implementation of the core's {@link Store}. Create it with {@link openPostgresStore}. */
export class PostgresStore implements Store {
  /** The database's URL without its password: how errors and logs name it. */
  readonly label: string;
  readonly #pool: pg.Pool;
  readonly #workflows: WorkflowTable;
  readonly #credentials: CredentialTable;
  readonly #keys: ApiKeyTable;
  readonly #schedules: ScheduleTable;
  readonly #deliveries: DeliveryTable;
  readonly #meta: MetaTable;
  readonly #memory: MemoryTable;
  readonly #knowledge: KnowledgeTable;
  readonly #bus: PostgresBus;
  /** Workers' leases on runs and the bus between processes on this database. */
  readonly cluster: ClusterPorts;
  readonly commitsInFlight: number;
  #closed = false;

  /** @internal use {@link openPostgresStore}. */
  constructor(pool: pg.Pool, label: string, bus: PostgresBus, commitsInFlight: number) {
    this.#pool = pool;
    this.commitsInFlight = commitsInFlight;
    this.label = label;
    this.#bus = bus;
    this.cluster = {
      claims: guardStorage(new PostgresClaims(pool), label),
      bus: guardStorage(bus, label),
    };
    this.#workflows = new WorkflowTable(pool);
    this.#credentials = new CredentialTable(pool);
    this.#keys = new ApiKeyTable(pool);
    this.#schedules = new ScheduleTable(pool);
    this.#deliveries = new DeliveryTable(pool);
    this.#meta = new MetaTable(pool);
    this.#memory = new MemoryTable(pool);
    this.#knowledge = new KnowledgeTable(pool);
  }

  async migrate(): Promise<void> {
    await applyMigrations(this.#pool, this.label);
  }

  /** Closes every connection. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#bus.close();
    await this.#pool.end();
  }

  saveWorkflow(w: {
    tenant: string;
    definition: WorkflowDefinition;
    source: string;
    hash: string;
  }): Promise<{ version: number; created: boolean }> {
    return this.#workflows.publish(w.tenant, w.definition, w.source, w.hash);
  }

  getWorkflow(
    tenant: string,
    id: string,
    version?: number,
    options: { includeDeleted?: boolean } = {},
  ): Promise<StoredWorkflow | undefined> {
    return this.#workflows.get(tenant, id, version, options.includeDeleted === true);
  }

  latestWorkflowVersion(tenant: string, id: string): Promise<number | undefined> {
    return this.#workflows.latestVersion(tenant, id);
  }

  listWorkflows(tenant: string): Promise<WorkflowSummary[]> {
    return this.#workflows.list(tenant);
  }

  deleteWorkflow(tenant: string, id: string): Promise<boolean> {
    return this.#workflows.delete(tenant, id);
  }

  async commit(writes: readonly RunWrite[]): Promise<void> {
    if (writes.length === 0) return;
    try {
      await writeRuns(this.#pool, writes);
    } catch (error) {
      throw conflictOrSelf(error);
    }
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<RunRow>({
      name: 'weft_get_run',
      text: `${RUN_SELECT} WHERE r.id = $1`,
      values: [id],
    });
    return rows[0] === undefined ? undefined : runFromRow(rows[0]);
  }

  async loadRun(id: string): Promise<Loaded | undefined> {
    // One statement: the run row and its nodes come from the same commit.
    const { rows } = await this.#pool.query<RunWithNodesRow>({
      name: 'weft_load_run',
      text: `${RUN_WITH_NODES_SELECT} WHERE r.id = $1`,
      values: [id],
    });
    return rows[0] === undefined ? undefined : loadedFromRow(rows[0]);
  }

  async loadRuns(ids: readonly string[]): Promise<Loaded[]> {
    if (ids.length === 0) return [];
    const distinct = [...new Set(ids)];
    const found = new Map<string, Loaded>();
    // One read-only snapshot: every run comes from the same commit, however many chunks it takes.
    await inTransaction(
      this.#pool,
      async (c) => {
        for (let i = 0; i < distinct.length; i += CHUNK) {
          const { rows } = await c.query<RunWithNodesRow>({
            name: 'weft_load_runs',
            text: `${RUN_WITH_NODES_SELECT} WHERE r.id = ANY($1::text[])`,
            values: [distinct.slice(i, i + CHUNK)],
          });
          for (const row of rows) found.set(row.id, loadedFromRow(row));
        }
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
    return ids.flatMap((id) => {
      const loaded = found.get(id);
      return loaded === undefined ? [] : [loaded];
    });
  }

  async listRuns(query: RunQuery): Promise<{ runs: RunRecord[]; cursor?: string }> {
    const { rows, cursor } = await listRunRows(this.#pool, query);
    const runs = rows.map(runFromRow);
    return cursor === undefined ? { runs } : { runs, cursor };
  }

  async findRunByIdempotencyKey(
    tenant: string,
    workflowId: string,
    key: string,
  ): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<RunRow>({
      name: 'weft_run_by_key',
      text: `${RUN_SELECT} WHERE r.tenant = $1 AND r.workflow_id = $2 AND r.idempotency_key = $3`,
      values: [tenant, workflowId, Buffer.from(key, 'utf8')],
    });
    return rows[0] === undefined ? undefined : runFromRow(rows[0]);
  }

  readEvents(runId: string, afterSeq: number, limit?: number): Promise<RunEvent[]> {
    return readEvents(this.#pool, runId, afterSeq, limit);
  }

  async runIdsByStatus(statuses: readonly RunStatus[], limit?: number): Promise<string[]> {
    if (statuses.length === 0) return [];
    const { rows } = await this.#pool.query<{ id: string }>({
      name: 'weft_run_ids_by_status',
      text: `SELECT id FROM runs WHERE status = ANY($1::text[]) ORDER BY created_at, id LIMIT $2`,
      values: [statuses, limit === undefined ? null : Math.max(0, limit)],
    });
    return rows.map((r) => r.id);
  }

  findSingletonRun(
    tenant: string,
    workflowId: string,
    key: string,
  ): Promise<RunRecord | undefined> {
    return startKeys.findSingletonRun(this.#pool, tenant, workflowId, key);
  }

  debounceStart(d: DebounceStart): Promise<{ runId: string; created: boolean; dueAt: number }> {
    return startKeys.debounceStart(this.#pool, d);
  }

  dueDebounces(now: number, limit: number): Promise<DebounceRecord[]> {
    return startKeys.dueDebounces(this.#pool, now, limit);
  }

  nextDebounceDue(): Promise<number | undefined> {
    return startKeys.nextDebounceDue(this.#pool);
  }

  claimDebounce(runId: string, rev: number, leaseUntil: number): Promise<boolean> {
    return startKeys.claimDebounce(this.#pool, runId, rev, leaseUntil);
  }

  deleteDebounce(runId: string): Promise<void> {
    return startKeys.deleteDebounce(this.#pool, runId);
  }

  async keyRun(runId: string, key: string, limit: number): Promise<void> {
    await this.#pool.query({
      name: 'weft_key_run',
      text: `INSERT INTO run_keys (run_id, key, lim)
        SELECT id, $2, $3 FROM runs WHERE id = $1
        ON CONFLICT (run_id) DO UPDATE SET key = excluded.key, lim = excluded.lim`,
      values: [runId, key, limit],
    });
  }

  async keyedHolding(tenant: string, key: string): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>({
      name: 'weft_keyed_holding',
      text: `SELECT count(*) AS n FROM run_keys k JOIN runs r ON r.id = k.run_id
        WHERE r.tenant = $1 AND k.key = $2
          AND r.status NOT IN ('succeeded', 'failed', 'cancelled')
          AND (r.status <> 'queued' OR r.claim_owner IS NOT NULL)`,
      values: [tenant, key],
    });
    return Number(rows[0]?.n ?? 0);
  }

  async keyedWaiting(tenant: string, key: string, limit: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>({
      name: 'weft_keyed_waiting',
      text: `SELECT r.id FROM run_keys k JOIN runs r ON r.id = k.run_id
        WHERE r.tenant = $1 AND k.key = $2 AND r.status = 'queued' AND r.claim_owner IS NULL
        ORDER BY r.priority DESC, r.created_at, r.id LIMIT $3`,
      values: [tenant, key, Math.max(0, limit)],
    });
    return rows.map((r) => r.id);
  }

  async dueTimers(now: number, limit: number): Promise<TimerRecord[]> {
    const { rows } = await this.#pool.query<TimerRow>({
      name: 'weft_due_timers',
      text: `SELECT ${TIMER_COLUMNS} FROM timers WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2`,
      values: [now, Math.max(0, limit)],
    });
    return rows.map(timerFromRow);
  }

  async nextTimerDue(): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ due: string | null }>({
      name: 'weft_next_timer',
      text: 'SELECT MIN(due_at) AS due FROM timers',
    });
    const due = rows[0]?.due ?? null;
    return due === null ? undefined : Number(due);
  }

  deleteRun(tenant: string, id: string): Promise<boolean> {
    return deleteRun(this.#pool, tenant, id);
  }

  async pruneRuns(query: PruneQuery): Promise<number> {
    checkPruneQuery(query);
    return pruneRuns(this.#pool, query);
  }

  /** PostgreSQL's autovacuum makes deleted rows' space reusable by itself. */
  async reclaimSpace(): Promise<number> {
    return 0;
  }

  workflowIds(): Promise<{ tenant: string; id: string }[]> {
    return this.#workflows.ids();
  }

  putCredential(c: CredentialWrite): Promise<{ created: boolean }> {
    return this.#credentials.put(c);
  }

  getCredential(tenant: string, name: string): Promise<CredentialRecord | undefined> {
    return this.#credentials.get(tenant, name);
  }

  listCredentials(tenant: string): Promise<CredentialSummary[]> {
    return this.#credentials.list(tenant);
  }

  deleteCredential(tenant: string, name: string): Promise<boolean> {
    return this.#credentials.delete(tenant, name);
  }

  createApiKey(k: ApiKeyRecord): Promise<void> {
    return this.#keys.create(k);
  }

  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.findByHash(hash);
  }

  listApiKeys(tenant: string): Promise<ApiKeyRecord[]> {
    return this.#keys.list(tenant);
  }

  deleteApiKey(tenant: string, id: string): Promise<boolean> {
    return this.#keys.delete(tenant, id);
  }

  hasApiKeys(): Promise<boolean> {
    return this.#keys.any();
  }

  replaceSchedules(
    tenant: string,
    workflowId: string,
    schedules: readonly ScheduleSpec[],
  ): Promise<void> {
    return this.#schedules.replace(tenant, workflowId, schedules);
  }

  listSchedules(tenant: string, workflowId?: string): Promise<ScheduleRecord[]> {
    return this.#schedules.list(tenant, workflowId);
  }

  dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    return this.#schedules.due(now, limit);
  }

  nextScheduleDue(): Promise<number | undefined> {
    return this.#schedules.next();
  }

  claimDueSchedule(id: string, expectedDue: number, nextDue: number): Promise<boolean> {
    return this.#schedules.claim(id, expectedDue, nextDue);
  }

  recordDelivery(d: WebhookDelivery): Promise<{ runId: string; created: boolean }> {
    return this.#deliveries.record(d);
  }

  findDelivery(tenant: string, path: string, deliveryId: string): Promise<string | undefined> {
    return this.#deliveries.find(tenant, path, deliveryId);
  }

  moveTenant(
    from: string,
    to: string,
    credentials: readonly ResealedCredential[],
  ): Promise<TenantMove> {
    return moveTenant(this.#pool, from, to, credentials);
  }

  appendMemory(
    tenant: string,
    session: string,
    messages: readonly MemoryMessage[],
    at: string,
  ): Promise<{ total: number }> {
    return this.#memory.append(tenant, session, messages, at);
  }

  readMemory(tenant: string, session: string, window?: MemoryWindow): Promise<MemoryMessage[]> {
    return this.#memory.read(tenant, session, window);
  }

  clearMemory(tenant: string, session: string): Promise<number> {
    return this.#memory.clear(tenant, session);
  }

  knowledgeCollection(tenant: string, name: string): Promise<KnowledgeCollection | undefined> {
    return this.#knowledge.collection(tenant, name);
  }

  addKnowledge(
    tenant: string,
    collection: string,
    chunks: readonly KnowledgeChunk[],
    at: string,
  ): Promise<string[]> {
    return this.#knowledge.add(tenant, collection, chunks, at);
  }

  queryKnowledge(tenant: string, collection: string, q: KnowledgeQuery): Promise<KnowledgeMatch[]> {
    return this.#knowledge.query(tenant, collection, q);
  }

  takeRateToken(take: RateTake): Promise<RateAnswer> {
    return takeRateToken(this.#pool, take);
  }

  releaseRateToken(release: RateRelease): Promise<void> {
    return releaseRateToken(this.#pool, release);
  }

  spendTokens(spend: TokenSpend): Promise<number> {
    return spendTokens(this.#pool, spend);
  }

  tokensSpent(window: TokenWindow): Promise<number> {
    return tokensSpent(this.#pool, window);
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.#meta.get(key);
  }

  setMeta(key: string, value: string, options: { ifAbsent?: boolean } = {}): Promise<boolean> {
    return this.#meta.set(key, value, options.ifAbsent === true);
  }
}
