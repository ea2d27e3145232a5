/**
 * @module rows
 * Rows as SQLite returns them, and their mapping to the core's records. An optional field whose
 * column is NULL is left off the record (not set to `undefined`), so records read back compare
 * strictly equal to those written; JSON null is stored as the text `null` and stays `null`.
 */
import type {
  ErrorInfo,
  NodeRecord,
  RunRecord,
  RunStatus,
  NodeStatus,
  TimerRecord,
} from '@weft/core';

/** JSON text for a column; `undefined` (absent) becomes NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

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
  idempotency_key: string | null;
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
  if (row.idempotency_key !== null) run.idempotencyKey = row.idempotency_key;
  return run;
}

export interface NodeRow {
  run_id: string;
  path: string;
  node_id: string;
  status: string;
  attempts: number;
  output: string | null;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  state: string | null;
}

export function nodeFromRow(row: NodeRow): NodeRecord {
  const node: NodeRecord = {
    runId: row.run_id,
    path: row.path,
    nodeId: row.node_id,
    status: row.status as NodeStatus,
    attempts: row.attempts,
    state: fromJson(row.state),
  };
  if (row.output !== null) node.output = JSON.parse(row.output);
  if (row.error !== null) node.error = JSON.parse(row.error) as ErrorInfo;
  if (row.started_at !== null) node.startedAt = row.started_at;
  if (row.finished_at !== null) node.finishedAt = row.finished_at;
  return node;
}

export interface TimerRow {
  id: string;
  run_id: string;
  due_at: number;
  kind: string;
  path: string | null;
  data: string | null;
}

export function timerFromRow(row: TimerRow): TimerRecord {
  const timer: TimerRecord = { id: row.id, runId: row.run_id, dueAt: row.due_at, kind: row.kind };
  if (row.path !== null) timer.path = row.path;
  if (row.data !== null) timer.data = JSON.parse(row.data);
  return timer;
}
