/**
 * @module run-query
 * `listRuns` on SQLite: the statements behind the keyset pages of `@weft/core/store-kit`.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { RunQuery } from '@weft/core';
import { RUN_SELECT } from './statements.js';
import { decodeCursor, pageOf, pageSize, type RunRow } from '@weft/core/store-kit';

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
    return pageOf(this.#statement(mask).all(...params), limit);
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
