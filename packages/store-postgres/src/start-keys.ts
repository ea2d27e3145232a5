/**
 * @module start-keys
 * Singleton keys and debounced starts in PostgreSQL (see `ports/start-keys`), each call one
 * statement. Concurrent starts of one debounce key meet on the pending row's unique index: the
 * second waits for the first's row and joins it.
 */
import type pg from 'pg';
import type { DebounceRecord, DebounceStart, RunRecord } from '@weft/core';
import {
  DEBOUNCE_COLUMNS,
  debounceFromRow,
  runFromRow,
  type DebounceRow,
  type RunRow,
} from '@weft/core/store-kit';
import { RUN_SELECT } from './rows.js';

export async function findSingletonRun(
  pool: pg.Pool,
  tenant: string,
  workflowId: string,
  key: string,
): Promise<RunRecord | undefined> {
  const { rows } = await pool.query<RunRow>({
    name: 'weft_singleton_run',
    text: `${RUN_SELECT} WHERE r.tenant = $1 AND r.workflow_id = $2 AND r.singleton_key = $3
      AND r.status NOT IN ('succeeded', 'failed', 'cancelled')`,
    values: [tenant, workflowId, key],
  });
  return rows[0] === undefined ? undefined : runFromRow(rows[0]);
}

export async function debounceStart(
  pool: pg.Pool,
  d: DebounceStart,
): Promise<{ runId: string; created: boolean; dueAt: number }> {
  const { rows } = await pool.query<{ run_id: string; due_at: string }>({
    name: 'weft_debounce_start',
    text: `INSERT INTO debounces (run_id, tenant, workflow_id, key, version, input, priority,
        due_at, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, LEAST($8::bigint, $9::bigint), $9)
      ON CONFLICT (tenant, workflow_id, key) WHERE NOT fired DO UPDATE SET
        version = excluded.version, input = excluded.input, priority = excluded.priority,
        due_at = LEAST($8::bigint, debounces.deadline), rev = debounces.rev + 1
      RETURNING run_id, due_at`,
    values: [
      d.runId,
      d.tenant,
      d.workflowId,
      d.key,
      d.version,
      JSON.stringify(d.input ?? null),
      d.priority,
      d.dueAt,
      d.deadline,
    ],
  });
  const row = rows[0]!;
  return { runId: row.run_id, created: row.run_id === d.runId, dueAt: Number(row.due_at) };
}

export async function dueDebounces(
  pool: pg.Pool,
  now: number,
  limit: number,
): Promise<DebounceRecord[]> {
  const { rows } = await pool.query<DebounceRow>({
    name: 'weft_due_debounces',
    text: `SELECT ${DEBOUNCE_COLUMNS} FROM debounces WHERE due_at <= $1 ORDER BY due_at LIMIT $2`,
    values: [now, Math.max(0, limit)],
  });
  return rows.map(debounceFromRow);
}

export async function nextDebounceDue(pool: pg.Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ due: string | null }>({
    name: 'weft_next_debounce_due',
    text: 'SELECT min(due_at) AS due FROM debounces',
  });
  const due = rows[0]?.due;
  return due === null || due === undefined ? undefined : Number(due);
}

export async function claimDebounce(
  pool: pg.Pool,
  runId: string,
  rev: number,
  leaseUntil: number,
): Promise<boolean> {
  const { rowCount } = await pool.query({
    name: 'weft_claim_debounce',
    text: `UPDATE debounces SET fired = true, due_at = $3, rev = rev + 1
      WHERE run_id = $1 AND rev = $2`,
    values: [runId, rev, leaseUntil],
  });
  return rowCount === 1;
}

export async function deleteDebounce(pool: pg.Pool, runId: string): Promise<void> {
  await pool.query({
    name: 'weft_delete_debounce',
    text: 'DELETE FROM debounces WHERE run_id = $1',
    values: [runId],
  });
}
