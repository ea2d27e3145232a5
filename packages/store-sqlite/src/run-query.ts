/**
 * @module run-query
 * `listRuns`: keyset pagination over (created_at, id), newest first. The cursor is the last row's
 * sort key, so a page is an index range scan however deep the client has paged, and runs created
 * while paging never shift the pages that follow.
 */
import type { Database, Statement } from 'better-sqlite3';
import { WeftError, type RunQuery } from '@weft/core';
import { RUN_SELECT } from './statements.js';
import type { RunRow } from '@weft/core/store-kit';

/** Page size when the query gives none. */
export const DEFAULT_RUN_PAGE = 50;
/** Largest page; larger requests are capped. */
export const MAX_RUN_PAGE = 1000;

/** Sort key of a run: what a cursor encodes. */
type SortKey = [createdAt: string, id: string];

/** Encodes a cursor: base64url of the JSON sort key. Opaque to clients. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id] satisfies SortKey)).toString('base64url');
}

/** @throws WeftError `invalid_cursor` for anything {@link encodeCursor} did not produce. */
export function decodeCursor(cursor: string): SortKey {
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

/** Clamps a requested page size into [1, {@link MAX_RUN_PAGE}]. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RUN_PAGE;
  return Math.min(MAX_RUN_PAGE, Math.max(1, Math.floor(limit)));
}

/**
 * Prepares listing statements on demand, one per combination of filters (at most 16), so that
 * each is planned against the index that fits it.
 */
export class RunLister {
  readonly #db: Database;
  readonly #cache = new Map<number, Statement<unknown[], RunRow>>();

  constructor(db: Database) {
    this.#db = db;
  }

  /** One page of rows, plus a cursor when more rows follow. */
  page(query: RunQuery): { rows: RunRow[]; cursor?: string } {
    const limit = pageSize(query.limit);
    const params: unknown[] = [];
    let mask = 0;
    if (query.tenant !== undefined) {
      mask |= 1;
      params.push(query.tenant);
    }
    if (query.workflowId !== undefined) {
      mask |= 2;
      params.push(query.workflowId);
    }
    if (query.status !== undefined) {
      mask |= 4;
      params.push(query.status);
    }
    if (query.cursor !== undefined) {
      mask |= 8;
      params.push(...decodeCursor(query.cursor));
    }
    // One extra row tells whether another page exists, so the last page carries no cursor.
    params.push(limit + 1);
    const rows = this.#statement(mask).all(...params);
    if (rows.length <= limit) return { rows };
    rows.length = limit;
    const last = rows[limit - 1] as RunRow;
    return { rows, cursor: encodeCursor(last.created_at, last.id) };
  }

  #statement(mask: number): Statement<unknown[], RunRow> {
    let stmt = this.#cache.get(mask);
    if (stmt === undefined) {
      const where: string[] = [];
      if (mask & 1) where.push('r.tenant = ?');
      if (mask & 2) where.push('r.workflow_id = ?');
      if (mask & 4) where.push('r.status = ?');
      if (mask & 8) where.push('(r.created_at, r.id) < (?, ?)');
      const sql =
        RUN_SELECT +
        (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
        ' ORDER BY r.created_at DESC, r.id DESC LIMIT ?';
      stmt = this.#db.prepare<unknown[], RunRow>(sql);
      this.#cache.set(mask, stmt);
    }
    return stmt;
  }
}
