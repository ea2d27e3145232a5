/**
 * @module store-kit/rows
 * Rows as the SQL stores read them, and their mapping to the core's records: one mapping for
 * SQLite and PostgreSQL, so that the two stores cannot drift apart in what a record reads back as.
 *
 * An optional field whose column is NULL is left off the record (not set to `undefined`), so
 * records read back compare strictly equal to those written; JSON null is stored as the text
 * `null` and stays `null`. Where the drivers hand a column back in different types (a `bigint` as
 * text, a boolean as 0/1, a key as bytes), the row type admits both and the mapping reads either.
 */
import type { ErrorInfo } from '../errors.js';
import type { WorkflowDefinition } from '../dsl/types.js';
import type {
  NodeRecord,
  NodeStatus,
  RunRecord,
  RunStatus,
  ScheduleRecord,
  ScheduleSpec,
  StoredWorkflow,
  TimerRecord,
  WorkflowSummary,
} from '../ports/store.js';

/** JSON text for a column; `undefined` (absent) becomes NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** The value of a JSON text column; NULL reads as `undefined` (absent). */
export function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

const utf8 = new TextDecoder();

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
  /** Text, or its UTF-8 bytes where the column is binary (PostgreSQL `bytea`). */
  idempotency_key: string | Uint8Array | null;
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
  const key = row.idempotency_key;
  if (key !== null) run.idempotencyKey = typeof key === 'string' ? key : utf8.decode(key);
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
  /** Epoch ms; text where the driver returns a `bigint` as text. */
  due_at: number | string;
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

export interface ScheduleRow {
  id: string;
  tenant: string;
  workflow_id: string;
  trigger_index: number;
  schedule: string;
  timezone: string | null;
  input: string | null;
  /** Epoch ms; text where the driver returns a `bigint` as text. */
  next_due: number | string;
  /** A boolean, or 0/1 where the database has no boolean type (SQLite). */
  enabled: boolean | number;
}

export const SCHEDULE_COLUMNS =
  'id, tenant, workflow_id, trigger_index, schedule, timezone, input, next_due, enabled';

export function scheduleFromRow(r: ScheduleRow): ScheduleRecord {
  const s: ScheduleRecord = {
    id: r.id,
    tenant: r.tenant,
    workflowId: r.workflow_id,
    triggerIndex: r.trigger_index,
    schedule: r.schedule,
    nextDue: Number(r.next_due),
    enabled: r.enabled === true || r.enabled === 1,
  };
  if (r.timezone !== null) s.timezone = r.timezone;
  if (r.input !== null) s.input = JSON.parse(r.input);
  return s;
}

/**
 * The values a schedule spec is stored with, in {@link SCHEDULE_COLUMNS} order but for `enabled`,
 * whose type is the database's. The stored due time stays while the schedule and its timezone are
 * unchanged (republishing does not move a fire).
 */
export function scheduleRowValues(
  tenant: string,
  workflowId: string,
  spec: ScheduleSpec,
  before: ScheduleRow | undefined,
): unknown[] {
  const same =
    before !== undefined &&
    before.schedule === spec.schedule &&
    before.timezone === (spec.timezone ?? null);
  return [
    scheduleId(tenant, workflowId, spec.triggerIndex),
    tenant,
    workflowId,
    spec.triggerIndex,
    spec.schedule,
    spec.timezone ?? null,
    toJson(spec.input),
    same ? before.next_due : spec.nextDue,
  ];
}

/**
 * A schedule's id. Workflow ids cannot hold `/`, so reading from the right (index, workflow, then
 * the tenant as the rest) makes ids of distinct schedules distinct.
 */
const scheduleId = (tenant: string, workflowId: string, index: number): string =>
  `${tenant}/${workflowId}/${index}`;

export interface WorkflowRow {
  tenant: string;
  id: string;
  version: number;
  definition: string;
  source: string;
  hash: string;
  created_at: string;
}

export const WORKFLOW_COLUMNS = 'tenant, id, version, definition, source, hash, created_at';

/**
 * The values of a new version's row, in the order of the columns
 * `tenant, id, version, name, definition, source, hash, created_at`.
 */
export function workflowRowValues(
  tenant: string,
  definition: WorkflowDefinition,
  version: number,
  source: string,
  hash: string,
): unknown[] {
  return [
    tenant,
    definition.id,
    version,
    definition.name ?? null,
    JSON.stringify(definition),
    source,
    hash,
    new Date().toISOString(),
  ];
}

export function workflowFromRow(row: WorkflowRow): StoredWorkflow {
  return {
    tenant: row.tenant,
    id: row.id,
    version: row.version,
    definition: JSON.parse(row.definition) as WorkflowDefinition,
    source: row.source,
    hash: row.hash,
    createdAt: row.created_at,
  };
}

/** A workflow's latest version with the time its first version was created. */
export interface WorkflowSummaryRow {
  id: string;
  name: string | null;
  version: number;
  first_created_at: string;
  created_at: string;
}

export function summaryFromRow(row: WorkflowSummaryRow): WorkflowSummary {
  const summary: WorkflowSummary = {
    id: row.id,
    latestVersion: row.version,
    createdAt: row.first_created_at,
    updatedAt: row.created_at,
  };
  if (row.name !== null) summary.name = row.name;
  return summary;
}
