/**
 * @module rows
 * Rows as PostgreSQL returns them, and their mapping to the core's records. An optional field whose
 * column is NULL is left off the record (not set to `undefined`), so records read back compare
 * strictly equal to those written; JSON null is stored as the text `null` and stays `null`.
 */
import type {
  ErrorInfo,
  NodeRecord,
  NodeStatus,
  RunRecord,
  RunStatus,
  TimerRecord,
} from '@weft/core';

/** JSON text for a column; `undefined` (absent) becomes NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

const fromJson = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

/**
 * The output of a run (alias `r`) wherever it is kept: its own column, or the stored output of the
 * event it names (see migration `0001_initial`).
 */
const RUN_OUTPUT = `CASE WHEN r.output_seq IS NULL THEN r.output ELSE (SELECT o.output
  FROM run_outputs o WHERE o.run_id = r.id AND o.seq = r.output_seq) END`;

/** `SELECT ... FROM runs r` giving a {@link RunRow}. */
export const RUN_SELECT = `SELECT r.id, r.tenant, r.workflow_id, r.version, r.status, r.input,
  ${RUN_OUTPUT} AS output, r.error, r.created_at, r.started_at, r.finished_at, r.parent_run_id,
  r.parent_path, r.priority, r.idempotency_key, r.seq, r.state FROM runs r`;

/**
 * {@link RUN_SELECT} with the run's node rows as a JSON array of {@link NodeTuple}s, by path: one
 * statement, so the run row and its nodes come from the same commit.
 */
export const RUN_WITH_NODES_SELECT = RUN_SELECT.replace(
  ' FROM runs r',
  `, (SELECT json_agg(json_build_array(n.path, n.node_id, n.status, n.attempts,
      CASE WHEN n.output_seq IS NULL THEN n.output ELSE o.output END, n.error, n.started_at,
      n.finished_at, n.state) ORDER BY n.path)
    FROM run_nodes n LEFT JOIN run_outputs o ON o.run_id = n.run_id AND o.seq = n.output_seq
    WHERE n.run_id = r.id) AS nodes FROM runs r`,
);

export interface RunRow {
  id: string;
  tenant: string;
  workflow_id: string;
  version: number;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  parent_run_id: string | null;
  parent_path: string | null;
  priority: number;
  /** bytea: the key's UTF-8 bytes. */
  idempotency_key: Buffer | null;
  seq: number;
  state: string | null;
}

export function runFromRow(row: RunRow): RunRecord {
  const run: RunRecord = {
    id: row.id,
    tenant: row.tenant,
    workflowId: row.workflow_id,
    version: row.version,
    status: row.status as RunStatus,
    input: fromJson(row.input),
    createdAt: row.created_at,
    priority: row.priority,
    seq: row.seq,
    state: fromJson(row.state),
  };
  if (row.output !== null) run.output = JSON.parse(row.output);
  if (row.error !== null) run.error = JSON.parse(row.error) as ErrorInfo;
  if (row.started_at !== null) run.startedAt = row.started_at;
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  if (row.parent_path !== null) run.parentPath = row.parent_path;
  if (row.idempotency_key !== null) run.idempotencyKey = row.idempotency_key.toString('utf8');
  return run;
}

/** A node row as {@link RUN_WITH_NODES_SELECT} aggregates it. */
type NodeTuple = [
  path: string,
  nodeId: string,
  status: string,
  attempts: number,
  output: string | null,
  error: string | null,
  startedAt: string | null,
  finishedAt: string | null,
  state: string | null,
];

export function nodeFromTuple(runId: string, t: NodeTuple): NodeRecord {
  const [path, nodeId, status, attempts, output, error, startedAt, finishedAt, state] = t;
  const node: NodeRecord = {
    runId,
    path,
    nodeId,
    status: status as NodeStatus,
    attempts,
    state: fromJson(state),
  };
  if (output !== null) node.output = JSON.parse(output);
  if (error !== null) node.error = JSON.parse(error) as ErrorInfo;
  if (startedAt !== null) node.startedAt = startedAt;
  if (finishedAt !== null) node.finishedAt = finishedAt;
  return node;
}

export type RunWithNodesRow = RunRow & { nodes: NodeTuple[] | null };

export function loadedFromRow(row: RunWithNodesRow): { run: RunRecord; nodes: NodeRecord[] } {
  return { run: runFromRow(row), nodes: (row.nodes ?? []).map((t) => nodeFromTuple(row.id, t)) };
}

export interface TimerRow {
  id: string;
  run_id: string;
  /** bigint: the driver returns it as text. */
  due_at: string;
  kind: string;
  path: string | null;
  data: string | null;
}

export const TIMER_COLUMNS = 'id, run_id, due_at, kind, path, data';

export function timerFromRow(row: TimerRow): TimerRecord {
  const timer: TimerRecord = {
    id: row.id,
    runId: row.run_id,
    dueAt: Number(row.due_at),
    kind: row.kind,
  };
  if (row.path !== null) timer.path = row.path;
  if (row.data !== null) timer.data = JSON.parse(row.data);
  return timer;
}
