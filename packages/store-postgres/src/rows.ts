/**
 * @module rows
 * The statements that read runs, in PostgreSQL's form; the rows they give map to records by the
 * mapping both stores share (`@weft/core/store-kit`).
 */
import type { NodeRecord, RunRecord } from '@weft/core';
import { nodeFromRow, runFromRow, type RunRow } from '@weft/core/store-kit';

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

function nodeFromTuple(runId: string, t: NodeTuple): NodeRecord {
  const [path, nodeId, status, attempts, output, error, startedAt, finishedAt, state] = t;
  return nodeFromRow({
    run_id: runId,
    path,
    node_id: nodeId,
    status,
    attempts,
    output,
    error,
    started_at: startedAt,
    finished_at: finishedAt,
    state,
  });
}

export type RunWithNodesRow = RunRow & { nodes: NodeTuple[] | null };

export function loadedFromRow(row: RunWithNodesRow): { run: RunRecord; nodes: NodeRecord[] } {
  return { run: runFromRow(row), nodes: (row.nodes ?? []).map((t) => nodeFromTuple(row.id, t)) };
}
