/**
 * @module run-list
 * `listRuns`: keyset pagination over (created_at, id), newest first. The cursor is the last row's
 * sort key (the same form as the SQLite store's), so a page is an index range scan however deep
 * the client has paged, and runs created while paging never shift the pages that follow.
 */
import type pg from 'pg';
import { WeftError, type RunQuery } from '@weft/core';
import type { RunRow } from '@weft/core/store-kit';
import { RUN_SELECT } from './rows.js';

/** Page size when the query gives none. */
const DEFAULT_RUN_PAGE = 50;
/** Largest page; larger requests are capped. */
const MAX_RUN_PAGE = 1000;

type SortKey = [createdAt: string, id: string];

const encodeCursor = (createdAt: string, id: string): string =>
  Buffer.from(JSON.stringify([createdAt, id] satisfies SortKey)).toString('base64url');

function decodeCursor(cursor: string): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    Array.isArray(key) &&
    key.length === 2 &&
    typeof key[0] === 'string' &&
    typeof key[1] === 'string'
  ) {
    return [key[0], key[1]];
  }
  throw new WeftError(
    'invalid_cursor',
    'the cursor is not valid: pass the cursor of a previous page unchanged',
  );
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RUN_PAGE;
  return Math.min(MAX_RUN_PAGE, Math.max(1, Math.floor(limit)));
}

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
  const { rows } = await pool.query<RunRow>(text, values);
  if (rows.length <= limit) return { rows };
  rows.length = limit;
  const last = rows[limit - 1] as RunRow;
  return { rows, cursor: encodeCursor(last.created_at, last.id) };
}
