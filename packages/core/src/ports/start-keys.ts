/**
 * @module ports/start-keys
 * What the store keeps for a workflow's `singleton:` and `debounce:` (see docs/semantics.md).
 *
 * A singleton key is a column of the run row, unique among the unfinished runs of a tenant's
 * workflow: it is set in the run's first commit (`RunWrite.singletonKey`; read back with
 * `Store.findSingletonRun`), so two starts that race for one key cannot both commit, on any number
 * of workers; and a run that finishes frees the key by finishing, with no write of its own.
 *
 * A debounced start is a row of its own until it fires: the run it announces does not exist yet.
 * The starts of one key value update the one pending row (last input, due time pushed back); the
 * engine that fires it first marks it fired (a compare-and-set on its revision, so that a start
 * that updated it in between is not lost), then creates the run under the row's id, then deletes
 * the row. A row marked fired whose firer died is due again after the firer's lease.
 */

/** A start to coalesce (see {@link StartKeys.debounceStart}). Times are epoch ms. */
export interface DebounceStart {
  tenant: string;
  workflowId: string;
  /** The value of `debounce.key`. */
  key: string;
  /** The id of the run to announce if no start of the key is pending. */
  runId: string;
  version: number;
  input: unknown;
  priority: number;
  /** `period` after this start. */
  dueAt: number;
  /** The latest the run may start, if this start is the first of its burst (`timeout`). */
  deadline: number;
}

/** A pending (or firing) debounced start. */
export interface DebounceRecord {
  runId: string;
  tenant: string;
  workflowId: string;
  key: string;
  version: number;
  /** The last start's input. */
  input: unknown;
  priority: number;
  dueAt: number;
  deadline: number;
  /** Raised by every start that joins the row and by every claim. */
  rev: number;
  /** Claimed by an engine to fire. */
  fired: boolean;
}

/** The debounced starts; a run's singleton key is `RunWrite.singletonKey`. */
export interface StartKeys {
  /**
   * Joins the pending start of (tenant, workflow, key) — its input, version and priority become
   * this start's, and its due time `dueAt`, but never past its deadline — or, when none is
   * pending, stores one under `runId`. One statement: concurrent starts of one key join one row.
   * @returns the pending run's id, whether this start created it, and when it is due.
   */
  debounceStart(d: DebounceStart): Promise<{ runId: string; created: boolean; dueAt: number }>;
  /** Rows due at or before `now` (pending, or fired with a lapsed lease), earliest first. */
  dueDebounces(now: number, limit: number): Promise<DebounceRecord[]>;
  /** The earliest due time of any row. */
  nextDebounceDue(): Promise<number | undefined>;
  /**
   * Marks the row fired, held until `leaseUntil` (then due again), if it is still at `rev`: true
   * for exactly one of concurrent callers. Starts of its key no longer join it.
   */
  claimDebounce(runId: string, rev: number, leaseUntil: number): Promise<boolean>;
  /** Deletes the row (its run was created); unknown ids are ignored. */
  deleteDebounce(runId: string): Promise<void>;
}
