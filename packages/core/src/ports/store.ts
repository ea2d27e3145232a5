/**
 * @module ports/store
 * The one persistence interface. SQLite (embedded) and PostgreSQL (cluster) implement it and pass
 * the same contract suite (`@weft/core/testing`). Every method is async so that
 * both fit.
 *
 * A run is persisted as rows: one run row (with the decider's run-level state), one row per node
 * path it touched (with the node's state), its event log, and its timers. A decision's writes for
 * any number of runs go to the store as one {@link Store.commit} call: one transaction.
 */
import type { ErrorInfo } from '../errors.js';
import type { WorkflowDefinition } from '../dsl/types.js';
import type { RunEvent } from '../events.js';
import type { ClusterPorts } from './cluster.js';
import type { MemoryStore } from './memory-store.js';
import type { RateBuckets } from './rate-buckets.js';
import type { StartKeys } from './start-keys.js';
import type { TokenBudgets } from './token-budgets.js';

// Where the event log's entry type used to live: kept so that imports of it stay valid.
export type { RunEvent } from '../events.js';

/** Every run status, in lifecycle order: the CLI's and the API's enums read this list. */
export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

export type NodeStatus =
  'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** The statuses a run does not leave by itself (only a retry moves it on). */
export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;

export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

export const isTerminal = (s: RunStatus): s is TerminalRunStatus =>
  (TERMINAL_RUN_STATUSES as readonly RunStatus[]).includes(s);

export interface RunRecord {
  id: string;
  tenant: string;
  workflowId: string;
  version: number;
  status: RunStatus;
  input: unknown;
  output?: unknown;
  error?: ErrorInfo;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  parentRunId?: string;
  parentPath?: string;
  priority: number;
  idempotencyKey?: string;
  /** Seq of the last event written. */
  seq: number;
  /** The decider's run-level state: opaque to the store. */
  state: unknown;
}

export interface NodeRecord {
  runId: string;
  /** `id`, or e.g. `each[2].inner` inside a foreach body; frames have paths too (`each[2]`). */
  path: string;
  nodeId: string;
  status: NodeStatus;
  attempts: number;
  output?: unknown;
  error?: ErrorInfo;
  startedAt?: string;
  finishedAt?: string;
  /** The decider's node-level state: opaque to the store. */
  state: unknown;
}

/** A durable timer: wait nodes, retry backoff, human timeouts, run timeouts. */
export interface TimerRecord {
  id: string;
  runId: string;
  /** Epoch milliseconds. */
  dueAt: number;
  kind: string;
  path?: string;
  data?: unknown;
}

/** Everything one commit writes for one run. */
export interface RunWrite {
  /** The whole run row: inserted when new, replaced otherwise. */
  run: RunRecord;
  /** Node rows to insert or replace (by run id and path). */
  nodes: NodeRecord[];
  /** Events to append; their seqs follow the run's last one. */
  events: RunEvent[];
  addTimers: TimerRecord[];
  /** Timer ids to delete (fired or cancelled), before `addTimers`; unknown ids are ignored. */
  removeTimers: string[];
  /** Node paths whose rows are deleted (a retry resets them), before `nodes` are written. */
  removeNodes?: string[];
  /** The run's input is already stored as it is: the store need not write it again. */
  inputUnchanged?: boolean;
  /**
   * The run row as the store holds it, as this writer last committed or loaded it, when known: the
   * store then writes only the fields of `run` that differ from it, comparing JSON fields (output,
   * error, state) by identity — a writer passes the very same value for a field it did not change.
   * If the stored row is no longer at `previous.seq`, the whole row is written as without it. A
   * writer that passes it never writes events with seqs past its run row's seq.
   */
  previous?: RunRecord;
  /**
   * The writer's hold on the run, on a store shared by many workers (see `ports/cluster`). A new
   * run is stored held by `worker` under `token`; a stored one only while its token is still
   * `token`, else the whole commit fails with WeftError `claim_lost` and writes nothing. After the
   * commit the run is held by `worker`, or by no one when `release` is set (nothing of it is in
   * flight any more).
   */
  claim?: { worker: string; token: number; release: boolean };
  /**
   * The value of the run's `singleton.key`, on its first write only: set on the run row in the
   * same transaction. While the run is unfinished, a second unfinished run of the tenant's
   * workflow with the same value fails the commit that makes it so (a start, or a retry of a
   * finished one) with WeftError `store_conflict`.
   */
  singletonKey?: string;
}

export interface StoredWorkflow {
  tenant: string;
  id: string;
  version: number;
  definition: WorkflowDefinition;
  /** The text the definition was published from (YAML or JSON). */
  source: string;
  hash: string;
  createdAt: string;
}

export interface WorkflowSummary {
  id: string;
  name?: string;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** A stored credential. The store keeps `ciphertext` as given: encrypting is the caller's job. */
export interface CredentialRecord {
  tenant: string;
  name: string;
  /** `bearer`, `basic`, `header`, `openai`: kept in clear so that lists can show it. */
  type: string;
  /** Opaque text made by the caller (the engine's AES-256-GCM envelope). */
  ciphertext: string;
  createdAt: string;
  updatedAt: string;
}

/** A credential as listed: never its value. */
export type CredentialSummary = Pick<CredentialRecord, 'name' | 'type' | 'createdAt' | 'updatedAt'>;

/** An API key as stored: only the SHA-256 of the key, never the key. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  /** SHA-256 of the whole key, lower-case hex. */
  hash: string;
  /** The key's first characters, for people to tell keys apart. */
  prefix: string;
  createdAt: string;
}

/** One cron trigger of a published workflow, as the scheduler keeps it. */
export interface ScheduleRecord {
  /** Made by the store; stable while the workflow keeps a cron trigger at that index. */
  id: string;
  tenant: string;
  workflowId: string;
  /** Position of the trigger in the definition's `triggers`. */
  triggerIndex: number;
  schedule: string;
  timezone?: string;
  /** Input of the runs it starts; absent when the trigger has none. */
  input?: unknown;
  /** Epoch milliseconds of the next fire. */
  nextDue: number;
  enabled: boolean;
}

/** What {@link Store.replaceSchedules} is given per cron trigger. */
export type ScheduleSpec = Omit<ScheduleRecord, 'id' | 'tenant' | 'workflowId' | 'enabled'> & {
  enabled?: boolean;
};

/** A webhook delivery seen, so that a redelivery starts no second run. */
export interface WebhookDelivery {
  tenant: string;
  path: string;
  deliveryId: string;
  runId: string;
  createdAt: string;
}

export interface RunQuery {
  tenant?: string;
  workflowId?: string;
  status?: RunStatus;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/**
 * Which finished runs {@link Store.pruneRuns} deletes: those matching every filter given and past
 * either bound given (`finishedBefore` or `keepLatest`). Runs that are not finished are never
 * deleted, whatever the query says.
 */
export interface PruneQuery {
  /** Only this tenant's runs. @default every tenant */
  tenant?: string;
  /** Only runs of this workflow. @default every workflow */
  workflowId?: string;
  /** Only runs with one of these statuses. @default every terminal status */
  statuses?: readonly TerminalRunStatus[];
  /** Bound: runs that finished before this ISO 8601 time. */
  finishedBefore?: string;
  /**
   * Bound: all but the newest `keepLatest` runs (by creation time, then id) of those the filters
   * select. Give `tenant` and `workflowId` to keep that many per workflow.
   */
  keepLatest?: number;
  /**
   * Runs to keep although they match (the engine's runs still settling in memory). Called inside
   * the deleting transaction, so keep it quick and free of I/O.
   */
  spare?: (runId: string) => boolean;
  /** Runs deleted per transaction, so that a large prune never holds the database long. */
  batch?: number;
}

/** A credential to store (see {@link Store.putCredential}); `at` is ISO time. */
export interface CredentialWrite {
  tenant: string;
  name: string;
  type: string;
  ciphertext: string;
  at: string;
}

/** A credential row re-encrypted for another tenant (see {@link Store.moveTenant}). */
export interface ResealedCredential {
  name: string;
  type: string;
  ciphertext: string;
}

/** What {@link Store.moveTenant} moved. */
export interface TenantMove {
  /** Workflow ids (every version of each moves). */
  workflows: number;
  runs: number;
  schedules: number;
  credentials: number;
}

/**
 * Conversation memory and knowledge collections are declared in `memory-store.ts`, rate buckets in
 * `rate-buckets.ts`, token budgets in `token-budgets.ts`, singleton keys and debounced starts in
 * `start-keys.ts`.
 */
export interface Store extends MemoryStore, RateBuckets, TokenBudgets, StartKeys {
  /** Leases and a bus for many workers on one database; absent on a store for one process. */
  readonly cluster?: ClusterPorts;
  /**
   * How many commits of one process, each of other runs, may be in progress at once (default 1):
   * a database server commits them on as many backends, in parallel; a file written by one thread
   * gains nothing.
   */
  readonly commitsInFlight?: number;
  /** Applies pending migrations. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /**
   * Publishes a definition. Publishing the same content (same hash) as the latest version returns
   * that version with `created: false`; otherwise a new version (latest + 1) is stored.
   */
  saveWorkflow(w: {
    tenant: string;
    definition: WorkflowDefinition;
    source: string;
    hash: string;
  }): Promise<{ version: number; created: boolean }>;
  /**
   * The given version, or the latest when `version` is omitted. Deleted workflows are not found,
   * unless `includeDeleted` is set: a run in progress keeps the version it started with even after
   * its workflow was deleted.
   */
  getWorkflow(
    tenant: string,
    id: string,
    version?: number,
    options?: { includeDeleted?: boolean },
  ): Promise<StoredWorkflow | undefined>;
  /** The latest live version's number, without reading its definition (a cheap lookup per start). */
  latestWorkflowVersion(tenant: string, id: string): Promise<number | undefined>;
  /** By id; `createdAt` is the first live version's, `updatedAt` the latest's. */
  listWorkflows(tenant: string): Promise<WorkflowSummary[]>;
  /**
   * Deletes every version; runs are kept. Returns false if there was none. Version numbers are
   * never reused: publishing again continues at the highest version ever stored + 1, so a kept
   * run's (workflowId, version) never names another definition. The workflow's schedules are
   * deleted with it, in the same transaction.
   */
  deleteWorkflow(tenant: string, id: string): Promise<boolean>;

  /**
   * Writes all of it in one transaction, or nothing. An event seq or timer id that already exists,
   * or a second run with the same tenant, workflow and idempotency key, fails the whole commit with
   * WeftError `store_conflict`: it means another writer got there first.
   */
  commit(writes: readonly RunWrite[]): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** The run row and every node row of the run. */
  loadRun(id: string): Promise<{ run: RunRecord; nodes: NodeRecord[] } | undefined>;
  /**
   * Newest first (by `createdAt`, then id). `limit` defaults to 50 and is capped at 1000; `cursor`
   * is returned only when more runs follow. A cursor not made by this store is WeftError
   * `invalid_cursor`.
   */
  listRuns(query: RunQuery): Promise<{ runs: RunRecord[]; cursor?: string }>;
  findRunByIdempotencyKey(
    tenant: string,
    workflowId: string,
    key: string,
  ): Promise<RunRecord | undefined>;
  /** The unfinished run of the tenant's workflow that holds `singleton:` key `key`, if any. */
  findSingletonRun(tenant: string, workflowId: string, key: string): Promise<RunRecord | undefined>;
  /** Events with seq > afterSeq, in order, at most `limit` (default all). */
  readEvents(runId: string, afterSeq: number, limit?: number): Promise<RunEvent[]>;

  /** Ids of runs whose status is one of `statuses`, oldest first. */
  runIdsByStatus(statuses: readonly RunStatus[], limit?: number): Promise<string[]>;
  /** Timers due at or before `now`, earliest first. */
  dueTimers(now: number, limit: number): Promise<TimerRecord[]>;
  /** The earliest timer's due time, if any. */
  nextTimerDue(): Promise<number | undefined>;

  // ---- concurrency keys (a workflow's `concurrency:`) ----------------------------------------

  /**
   * Records that the stored run takes turns under `key` with the other runs of its tenant under
   * it, at most `limit` holding a place at once; replaces what was recorded for the run. Deleted
   * with the run.
   */
  keyRun(runId: string, key: string, limit: number): Promise<void>;
  /**
   * How many runs of the tenant under `key` hold a place: not finished, and started (or, on a
   * store shared by many workers, claimed by one to start).
   */
  keyedHolding(tenant: string, key: string): Promise<number>;
  /** Runs of the tenant under `key` that wait `queued` for a place, by priority then age. */
  keyedWaiting(tenant: string, key: string, limit: number): Promise<string[]>;

  // ---- retention ----------------------------------------------------------------------------

  /**
   * Deletes a finished run of `tenant` and everything stored for it: its input, nodes, events,
   * timers, the webhook deliveries that started it, and its child runs (recursively), in one
   * transaction. Its idempotency key is free again afterwards. The space is given back to the file
   * system by {@link Store.reclaimSpace}.
   * @returns false when there is no such run of that tenant.
   * @throws WeftError `invalid_state` when the run, or one of its child runs, is not finished;
   *   nothing is deleted then.
   */
  deleteRun(tenant: string, id: string): Promise<boolean>;
  /**
   * Deletes the finished runs the query selects (see {@link PruneQuery}), each as
   * {@link Store.deleteRun} does; a run with an unfinished child run is kept. Works in
   * transactions of `batch` runs. Returns how many runs were deleted, child runs included.
   * @throws WeftError `invalid_argument` when the query gives neither bound.
   */
  pruneRuns(query: PruneQuery): Promise<number>;
  /**
   * Gives the space of deleted rows back to the file system, a bounded amount of work at a time so
   * that other callers are not held up long. Stores whose database does it by itself answer 0.
   * @returns the bytes the database's files shrank by.
   */
  reclaimSpace(): Promise<number>;
  /** Every tenant and workflow id ever published, deleted workflows included: retention's list. */
  workflowIds(): Promise<{ tenant: string; id: string }[]>;

  // ---- credentials (values encrypted by the caller) ----------------------------------------

  /** Inserts or replaces (tenant, name); a replaced one keeps its `createdAt`. `at` is ISO time. */
  putCredential(c: CredentialWrite): Promise<{ created: boolean }>;
  getCredential(tenant: string, name: string): Promise<CredentialRecord | undefined>;
  /** By name. */
  listCredentials(tenant: string): Promise<CredentialSummary[]>;
  /** Returns false if there was none. */
  deleteCredential(tenant: string, name: string): Promise<boolean>;

  // ---- API keys (hashed) --------------------------------------------------------------------

  /** A second key with the same id or hash fails with WeftError `store_conflict`. */
  createApiKey(k: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first. */
  listApiKeys(tenant: string): Promise<ApiKeyRecord[]>;
  /** Returns false if the tenant has no key with that id. */
  deleteApiKey(tenant: string, id: string): Promise<boolean>;
  /** Whether any tenant has a stored key (a server without keys runs open, on 127.0.0.1 only). */
  hasApiKeys(): Promise<boolean>;

  // ---- cron schedules -----------------------------------------------------------------------

  /**
   * Makes the workflow's schedules exactly `schedules`, in one transaction. A schedule whose
   * trigger index, schedule text and time zone are unchanged keeps its id and `nextDue` (so that
   * publishing again neither re-fires nor skips a due time); others take the given `nextDue`.
   * Schedules of other trigger indexes are deleted.
   */
  replaceSchedules(
    tenant: string,
    workflowId: string,
    schedules: readonly ScheduleSpec[],
  ): Promise<void>;
  /** Of a tenant (optionally one workflow), by workflow id and trigger index. */
  listSchedules(tenant: string, workflowId?: string): Promise<ScheduleRecord[]>;
  /** Enabled schedules with `nextDue <= now`, earliest first, across tenants. */
  dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]>;
  /** The earliest `nextDue` of an enabled schedule, if any. */
  nextScheduleDue(): Promise<number | undefined>;
  /**
   * Moves the schedule's `nextDue` to `nextDue` only if it is still `expectedDue` (and the schedule
   * is enabled): an atomic compare-and-set. True for exactly one of any number of concurrent
   * callers with the same `expectedDue`: that caller fires the due time.
   */
  claimDueSchedule(id: string, expectedDue: number, nextDue: number): Promise<boolean>;

  // ---- webhook deliveries -------------------------------------------------------------------

  /**
   * Records that a delivery started `runId`, unless (tenant, path, deliveryId) was seen before.
   * Returns the run id on record: the given one when `created`, else the first delivery's.
   */
  recordDelivery(d: WebhookDelivery): Promise<{ runId: string; created: boolean }>;
  /** The run id of an earlier delivery, if any. */
  findDelivery(tenant: string, path: string, deliveryId: string): Promise<string | undefined>;

  // ---- tenants ------------------------------------------------------------------------------

  /**
   * Gives everything of tenant `from` to tenant `to`, in one transaction: workflows (every
   * version), runs (with their nodes, events and timers), schedules, webhook deliveries,
   * credentials, memory sessions, knowledge collections and pending debounced starts. Credential ciphertexts are bound to their tenant, so the caller passes every
   * credential of `from` re-encrypted for `to` (`credentials`); they replace the old rows. API
   * keys stay with their tenant: a key names who calls, not what is stored.
   * @throws WeftError `invalid_state` when `to` already has a workflow id, a credential name, a
   *   memory session or a knowledge collection of `from`, or `credentials` is not exactly `from`'s; nothing is moved then.
   */
  moveTenant(
    from: string,
    to: string,
    credentials: readonly ResealedCredential[],
  ): Promise<TenantMove>;

  // ---- meta ---------------------------------------------------------------------------------

  getMeta(key: string): Promise<string | undefined>;
  /**
   * Writes a value. With `ifAbsent`, an existing value is kept. Returns whether it was written.
   */
  setMeta(key: string, value: string, options?: { ifAbsent?: boolean }): Promise<boolean>;

  // ---- bulk reads ---------------------------------------------------------------------------

  /**
   * {@link loadRun} for many runs, read together: an engine recovers thousands after a restart.
   * One entry per id that names a run, in the order of `ids`; other ids are left out. Each run's
   * rows come from one commit, as with `loadRun`.
   */
  loadRuns(ids: readonly string[]): Promise<{ run: RunRecord; nodes: NodeRecord[] }[]>;
}
