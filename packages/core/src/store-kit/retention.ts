/**
 * @module store-kit/retention
 * What `Store.deleteRun` and `Store.pruneRuns` mean, apart from the SQL that finds and deletes the
 * rows: which queries are accepted, which runs a query may take, and when a run's tree may go.
 */
import { WeftError } from '../errors.js';
import {
  TERMINAL_RUN_STATUSES,
  isTerminal,
  type PruneQuery,
  type RunStatus,
} from '../ports/store.js';

/** Runs per prune transaction unless the query says otherwise. */
const DEFAULT_PRUNE_BATCH = 200;

/** A run of the tree a delete takes: the run and all its descendants. */
export interface RunTreeRow {
  id: string;
  status: RunStatus;
  tenant: string;
}

/** Where a prune is in its walk over the candidates, in (created_at, id) order. */
export interface PrunePosition {
  created_at: string;
  id: string;
}

/** Checks a prune query before anything is read. */
export function checkPruneQuery(query: PruneQuery): void {
  if (query.finishedBefore === undefined && query.keepLatest === undefined) {
    throw new WeftError(
      'invalid_argument',
      'a prune needs a bound: finishedBefore, keepLatest or both',
    );
  }
  if (
    query.keepLatest !== undefined &&
    !(Number.isInteger(query.keepLatest) && query.keepLatest >= 0)
  ) {
    throw new WeftError(
      'invalid_argument',
      `keepLatest must be a whole number ≥ 0, not ${query.keepLatest}`,
    );
  }
  if (query.finishedBefore !== undefined && Number.isNaN(Date.parse(query.finishedBefore))) {
    throw new WeftError(
      'invalid_argument',
      `finishedBefore must be an ISO 8601 time, not "${query.finishedBefore}"`,
    );
  }
}

/**
 * The checked query (see {@link checkPruneQuery}) as a store runs it: `finishedBefore` in
 * `toISOString`'s form, because it is compared as text with the stored times, all in that form.
 */
export function normalisedPruneQuery(query: PruneQuery): PruneQuery {
  const q: PruneQuery = { ...query };
  if (q.finishedBefore !== undefined) q.finishedBefore = new Date(q.finishedBefore).toISOString();
  return q;
}

/** Runs per prune transaction. */
export const pruneBatchSize = (query: PruneQuery): number =>
  Math.max(1, query.batch ?? DEFAULT_PRUNE_BATCH);

/** The statuses a prune takes: the query's, by default every terminal one, never any other. */
export const pruneStatuses = (query: PruneQuery): RunStatus[] =>
  (query.statuses ?? TERMINAL_RUN_STATUSES).filter((s) => isTerminal(s));

/**
 * Whether `Store.deleteRun(tenant, id)` deletes this tree (read in the delete's transaction):
 * false when run `id` is not there for this tenant.
 * @throws WeftError `invalid_state` when the run or one of its children has not finished.
 */
export function deletableTree(tree: readonly RunTreeRow[], tenant: string, id: string): boolean {
  const root = tree.find((r) => r.id === id);
  if (root === undefined || root.tenant !== tenant) return false;
  const busy = tree.find((r) => !isTerminal(r.status));
  if (busy !== undefined) {
    throw new WeftError(
      'invalid_state',
      busy.id === id
        ? `run ${id} is ${busy.status}: only a finished run can be deleted (cancel it first)`
        : `run ${id} has a child run ${busy.id} that is ${busy.status}: only a finished run can be deleted`,
    );
  }
  return true;
}

/**
 * Whether a prune deletes a candidate's tree, re-read in the batch's transaction: not when it went
 * with an earlier parent, was retried since it was selected, or a child still runs.
 */
export const prunableTree = (tree: readonly RunTreeRow[]): boolean =>
  tree.length > 0 && tree.every((r) => isTerminal(r.status));
