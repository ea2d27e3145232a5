/**
 * @module ports/store
 * The one persistence interface. SQLite (embedded) and PostgreSQL (cluster) implement it and pass
 * the same contract suite (`test/support/store-contract.ts`). Every method is async so that
 * both fit.
 *
 * A run is persisted as rows: one run row (with the decider's run-level state), one row per node
 * path it touched (with the node's state), its event log, and its timers. A decision's writes for
 * any number of runs go to the store as one {@link Store.commit} call: one transaction.
 */
import type { ErrorInfo } from '../errors.js';
import type { WorkflowDefinition } from '../dsl/types.js';

export type RunStatus =
  | 'queued'
  | 'running'
  | 'waiting'
  | 'paused'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

export type NodeStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** One entry of a run's ordered event log. `seq` starts at 1 and has no gaps. */
export interface RunEvent {
  seq: number;
  type: string;
  /** ISO 8601 time. */
  at: string;
  /** The node path the event is about, if any. */
  node?: string;
  data?: unknown;
}

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

export interface RunQuery {
  tenant?: string;
  workflowId?: string;
  status?: RunStatus;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface Store {
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
  /** The given version, or the latest when `version` is omitted. Deleted workflows are not found. */
  getWorkflow(tenant: string, id: string, version?: number): Promise<StoredWorkflow | undefined>;
  /** By id; `createdAt` is the first live version's, `updatedAt` the latest's. */
  listWorkflows(tenant: string): Promise<WorkflowSummary[]>;
  /**
   * Deletes every version; runs are kept. Returns false if there was none. Version numbers are
   * never reused: publishing again continues at the highest version ever stored + 1, so a kept
   * run's (workflowId, version) never names another definition.
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
  findRunByIdempotencyKey(tenant: string, workflowId: string, key: string): Promise<RunRecord | undefined>;
  /** Events with seq > afterSeq, in order, at most `limit` (default all). */
  readEvents(runId: string, afterSeq: number, limit?: number): Promise<RunEvent[]>;

  /** Ids of runs whose status is one of `statuses`, oldest first. */
  runIdsByStatus(statuses: readonly RunStatus[], limit?: number): Promise<string[]>;
  /** Timers due at or before `now`, earliest first. */
  dueTimers(now: number, limit: number): Promise<TimerRecord[]>;
  /** The earliest timer's due time, if any. */
  nextTimerDue(): Promise<number | undefined>;
}
