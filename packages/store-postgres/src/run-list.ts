/**
 * @module run-list
 * `listRuns` on PostgreSQL: the statement behind the keyset pages of `@weft/core/store-kit`.
 */
import type pg from 'pg';
import type { RunQuery } from '@weft/core';
import { decodeCursor, pageOf, pageSize, type RunRow } from '@weft/core/store-kit';
import { RUN_SELECT } from './rows.js';

/** One page of rows, plus a cursor when more rows follow. */
export async function listRunRows(
  pool: pg.Pool,
  query: RunQuery,
): Promise<{ rows: RunRow[]; cursor?: string }> {
  const limit = pageSize(query.limit);
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (sql: (n: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (query.tenant !== undefined) param((n) => `r.tenant = ${n}`, query.tenant);
  if (query.workflowId !== undefined) param((n) => `r.workflow_id = ${n}`, query.workflowId);
  if (query.status !== undefined) param((n) => `r.status = ${n}`, query.status);
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(query.cursor);
    values.push(createdAt, id);
    where.push(`(r.created_at, r.id) < ($${values.length - 1}, $${values.length})`);
  }
  // One extra row tells whether another page exists, so the last page carries no cursor.
  values.push(limit + 1);
  const text =
    RUN_SELECT +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY r.created_at DESC, r.id DESC LIMIT $${values.length}`;
  return pageOf((await pool.query<RunRow>(text, values)).rows, limit);
}
