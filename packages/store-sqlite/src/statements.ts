/**
 * @module statements
 * The fixed statements the store reads and writes through besides commits (those are in
 * `apply-plan.js`), prepared once per connection. Preparing is the expensive part of a small query.
 */
import type { Database, Statement } from 'better-sqlite3';
import {
  TIMER_COLUMNS,
  WORKFLOW_COLUMNS,
  type NodeRow,
  type RunRow,
  type TimerRow,
  type WorkflowRow,
  type WorkflowSummaryRow,
} from '@weft/core/store-kit';

export const NODE_COLUMNS = `run_id, path, node_id, status, attempts, output, error, started_at, finished_at, state`;

/**
 * The run's output, wherever it is kept: its own column, or the output of the node.succeeded event
 * it names (see migration 0004_lean_rows and its view `run_outputs`).
 */
const RUN_OUTPUT = `CASE WHEN r.output_of_seq IS NULL THEN r.output ELSE COALESCE(
    (SELECT n.output FROM run_nodes n WHERE n.run_id = r.id
      AND n.path = r.output_of_path AND n.out_seq = r.output_of_seq),
    (SELECT o.output FROM event_outputs o WHERE o.run_id = r.id AND o.seq = r.output_of_seq)) END`;

/** `SELECT ... FROM` giving a {@link RunRow}: the run row with its input (alias `r`). */
export const RUN_SELECT = `SELECT r.id, r.tenant, r.workflow_id, r.version, r.status, i.input,
  ${RUN_OUTPUT} AS output, r.error, r.created_at, r.started_at, r.finished_at, r.parent_run_id,
  r.parent_path, r.priority, r.idempotency_key, r.seq, r.state
  FROM runs r LEFT JOIN run_inputs i ON i.run_id = r.id`;

/** The output of run `id` if its row is named by event `out_seq` (see `RUN_OUTPUT`). */
export const RUN_OUTPUT_BY_EVENT = `SELECT ${RUN_OUTPUT} FROM runs r WHERE r.id = ? AND r.out_seq = ?`;

/** The prepared statements of one connection. */
export interface Statements {
  getRun: Statement<[string], RunRow>;
  nodesOfRun: Statement<[string], NodeRow>;
  runByKey: Statement<[string, string, string], RunRow>;
  runIdsByStatus: Statement<[string, number], string>;
  dueTimers: Statement<[number, number], TimerRow>;
  nextTimerDue: Statement<[], number | null>;

  lastWorkflowVersion: Statement<
    [string, string],
    { version: number; hash: string; deleted_at: string | null }
  >;
  insertWorkflow: Statement<unknown[]>;
  latestWorkflow: Statement<[string, string], WorkflowRow>;
  latestVersion: Statement<[string, string], number | null>;
  workflowVersion: Statement<[string, string, number], WorkflowRow>;
  /** As the two above, deleted versions included. */
  latestWorkflowAny: Statement<[string, string], WorkflowRow>;
  workflowVersionAny: Statement<[string, string, number], WorkflowRow>;
  listWorkflows: Statement<[string, string], WorkflowSummaryRow>;
  deleteWorkflow: Statement<[string, string, string]>;
  workflowIds: Statement<[], { tenant: string; id: string }>;
}

/** Prepares {@link Statements}; the schema must be migrated first. */
export function prepareStatements(db: Database): Statements {
  return {
    getRun: db.prepare(`${RUN_SELECT} WHERE r.id = ?`),
    nodesOfRun: db.prepare(`SELECT ${NODE_COLUMNS} FROM run_nodes WHERE run_id = ? ORDER BY path`),
    runByKey: db.prepare(
      `${RUN_SELECT} WHERE r.tenant = ? AND r.workflow_id = ? AND r.idempotency_key = ?`,
    ),
    runIdsByStatus: db
      .prepare<[string, number], string>(
        `SELECT id FROM runs WHERE status IN (SELECT value FROM json_each(?))
         ORDER BY created_at, id LIMIT ?`,
      )
      .pluck(),
    dueTimers: db.prepare(
      `SELECT ${TIMER_COLUMNS} FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?`,
    ),
    nextTimerDue: db.prepare<[], number | null>('SELECT MIN(due_at) FROM timers').pluck(),

    lastWorkflowVersion: db.prepare(
      'SELECT version, hash, deleted_at FROM workflows WHERE tenant = ? AND id = ? ORDER BY version DESC LIMIT 1',
    ),
    insertWorkflow: db.prepare(
      `INSERT INTO workflows (tenant, id, version, name, definition, source, hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    latestWorkflow: db.prepare(
      `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE tenant = ? AND id = ? AND deleted_at IS NULL
       ORDER BY version DESC LIMIT 1`,
    ),
    latestVersion: db
      .prepare<[string, string], number | null>(
        'SELECT MAX(version) FROM workflows WHERE tenant = ? AND id = ? AND deleted_at IS NULL',
      )
      .pluck(),
    workflowVersion: db.prepare(
      `SELECT ${WORKFLOW_COLUMNS} FROM workflows
       WHERE tenant = ? AND id = ? AND version = ? AND deleted_at IS NULL`,
    ),
    latestWorkflowAny: db.prepare(
      `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE tenant = ? AND id = ?
       ORDER BY version DESC LIMIT 1`,
    ),
    workflowVersionAny: db.prepare(
      `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE tenant = ? AND id = ? AND version = ?`,
    ),
    listWorkflows: db.prepare(
      `SELECT w.id, w.name, w.version, f.first_created_at, w.created_at
       FROM workflows w
       JOIN (SELECT id, MAX(version) AS latest, MIN(created_at) AS first_created_at FROM workflows
             WHERE tenant = ? AND deleted_at IS NULL GROUP BY id) f
         ON w.id = f.id AND w.version = f.latest
       WHERE w.tenant = ?
       ORDER BY w.id`,
    ),
    deleteWorkflow: db.prepare(
      'UPDATE workflows SET deleted_at = ? WHERE tenant = ? AND id = ? AND deleted_at IS NULL',
    ),
    workflowIds: db.prepare('SELECT DISTINCT tenant, id FROM workflows ORDER BY tenant, id'),
  };
}
