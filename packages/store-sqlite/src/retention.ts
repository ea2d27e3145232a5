/**
 * @module retention
 * Deleting finished runs: one by id (`Store.deleteRun`) or those a prune query selects
 * (`Store.pruneRuns`). A run goes with its whole tree of child runs; its input, nodes, events and
 * timers follow by `ON DELETE CASCADE`, and the webhook deliveries that started it are deleted here.
 *
 * A prune walks the candidates in (created_at, id) order, a batch per transaction, so that the
 * engine's commits get the database between batches; each batch re-reads the statuses, so a run
 * retried since it was selected is kept.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { PruneQuery } from '@weft/core';
import {
  deletableTree,
  prunableTree,
  pruneBatchSize,
  pruneStatuses,
  type PrunePosition as Position,
  type RunTreeRow as TreeRow,
} from '@weft/core/store-kit';

/** The run and all its descendants; UNION (not ALL) so that a cycle of parent ids ends. */
const TREE = `WITH RECURSIVE tree (id) AS (
    SELECT ? UNION SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id
  )
  SELECT r.id, r.status, r.tenant FROM runs r JOIN tree USING (id)`;

export class RunDeleter {
  readonly #db: Database;
  readonly #tree: Statement<[string], TreeRow>;
  readonly #deleteRuns: Statement<[string]>;
  readonly #deleteDeliveries: Statement<[string]>;
  /** Candidate queries by shape (which filters and bounds are given): a handful at most. */
  readonly #shapes = new Map<string, Statement<unknown[], Position>>();
  readonly #cutoffs = new Map<string, Statement<unknown[], Position>>();

  constructor(db: Database) {
    this.#db = db;
    this.#tree = db.prepare(TREE);
    this.#deleteRuns = db.prepare('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))');
    this.#deleteDeliveries = db.prepare(
      'DELETE FROM webhook_deliveries WHERE run_id IN (SELECT value FROM json_each(?))',
    );
  }

  /** See `Store.deleteRun`. */
  deleteRun(tenant: string, id: string): boolean {
    return this.#db
      .transaction(() => {
        const tree = this.#tree.all(id);
        if (!deletableTree(tree, tenant, id)) return false;
        this.#remove(tree);
        return true;
      })
      .immediate();
  }

  /**
   * Deletes the batch of candidates after `after`; answers the runs deleted and where the next batch
   * starts (undefined when there is none).
   */
  pruneBatch(
    query: PruneQuery,
    after: Position | undefined,
  ): { deleted: number; next: Position | undefined } {
    const batch = pruneBatchSize(query);
    return this.#db
      .transaction(() => {
        const candidates = this.#candidates(query, after, batch);
        let deleted = 0;
        for (const c of candidates) {
          if (query.spare?.(c.id) === true) continue;
          const tree = this.#tree.all(c.id);
          if (!prunableTree(tree)) continue;
          this.#remove(tree);
          deleted += tree.length;
        }
        const last = candidates[candidates.length - 1];
        return { deleted, next: candidates.length < batch ? undefined : last };
      })
      .immediate();
  }

  #remove(tree: readonly TreeRow[]): void {
    const ids = JSON.stringify(tree.map((r) => r.id));
    this.#deleteDeliveries.run(ids);
    this.#deleteRuns.run(ids);
  }

  /** The next `limit` runs past a bound, in (created_at, id) order after `after`. */
  #candidates(query: PruneQuery, after: Position | undefined, limit: number): Position[] {
    const filters = filtersOf(query);
    const bounds: string[] = [];
    const params: unknown[] = [...filters.params];
    if (query.finishedBefore !== undefined) {
      // A run finishes after it is created: the first test lets the index stop the scan early.
      bounds.push('(created_at < ? AND COALESCE(finished_at, created_at) < ?)');
      params.push(query.finishedBefore, query.finishedBefore);
    }
    if (query.keepLatest !== undefined) {
      const cutoff = this.#cutoff(query, query.keepLatest);
      if (cutoff === 'all') bounds.push('1');
      else if (cutoff !== undefined) {
        bounds.push('(created_at, id) < (?, ?)');
        params.push(cutoff.created_at, cutoff.id);
      }
    }
    if (bounds.length === 0) return [];
    let sql = `SELECT created_at, id FROM runs WHERE ${filters.sql} AND (${bounds.join(' OR ')})`;
    if (after !== undefined) {
      sql += ' AND (created_at, id) > (?, ?)';
      params.push(after.created_at, after.id);
    }
    sql += ' ORDER BY created_at, id LIMIT ?';
    params.push(limit);
    return this.#prepared(this.#shapes, sql).all(...params);
  }

  /**
   * The oldest run to keep under `keepLatest`: runs before it are past the count. `'all'` when
   * none is kept, undefined when there are no more runs than that.
   */
  #cutoff(query: PruneQuery, keep: number): Position | 'all' | undefined {
    if (keep <= 0) return 'all';
    const filters = filtersOf(query);
    const sql = `SELECT created_at, id FROM runs WHERE ${filters.sql}
      ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?`;
    return this.#prepared(this.#cutoffs, sql).get(...filters.params, keep - 1);
  }

  #prepared(cache: Map<string, Statement<unknown[], Position>>, sql: string) {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], Position>(sql);
      cache.set(sql, statement);
    }
    return statement;
  }
}

/** The query's filters as SQL; statuses default to every terminal one, never any other. */
function filtersOf(query: PruneQuery): { sql: string; params: unknown[] } {
  const parts = ['status IN (SELECT value FROM json_each(?))'];
  const params: unknown[] = [JSON.stringify(pruneStatuses(query))];
  if (query.tenant !== undefined) {
    parts.push('tenant = ?');
    params.push(query.tenant);
  }
  if (query.workflowId !== undefined) {
    parts.push('workflow_id = ?');
    params.push(query.workflowId);
  }
  return { sql: parts.join(' AND '), params };
}
