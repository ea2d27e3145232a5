/**
 * @module retention
 * Deleting finished runs: one by id (`Store.deleteRun`) or those a prune query selects
 * (`Store.pruneRuns`). A run goes with its whole tree of child runs; its outputs, nodes, events and
 * timers and the webhook deliveries that started it are deleted with it (`run_keys` by `ON DELETE
 * CASCADE`).
 *
 * A prune walks the candidates in (created_at, id) order, a batch per transaction, so that the
 * engine's commits are not held up long; each batch re-reads the statuses (rows locked), so a run
 * retried since it was selected is kept.
 */
import type pg from 'pg';
import type { PruneQuery } from '@weft/core';
import {
  deletableTree,
  normalisedPruneQuery,
  prunableTree,
  pruneBatchSize,
  pruneStatuses,
  type PrunePosition as Position,
  type RunTreeRow as TreeRow,
} from '@weft/core/store-kit';
import { inTransaction } from './connect.js';
import { RUN_CHILD_TABLES } from './lean-writes-migration.js';

/** The run and all its descendants, locked; UNION (not ALL) so that a cycle of parent ids ends. */
const TREE = `WITH RECURSIVE tree (id) AS (
    SELECT $1::text COLLATE "C" UNION SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id
  )
  SELECT r.id, r.status, r.tenant FROM runs r JOIN tree USING (id) FOR UPDATE OF r`;

async function tree(c: pg.ClientBase, id: string): Promise<TreeRow[]> {
  return (await c.query<TreeRow>(TREE, [id])).rows;
}

/** The runs of $1 and every row that belongs to them, in one statement (one round trip). */
const REMOVE = `WITH ${[...RUN_CHILD_TABLES, 'webhook_deliveries']
  .map((table) => `gone_${table} AS (DELETE FROM ${table} WHERE run_id = ANY($1::text[]))`)
  .join(', ')}
  DELETE FROM runs WHERE id = ANY($1::text[])`;

async function remove(c: pg.ClientBase, rows: readonly TreeRow[]): Promise<void> {
  await c.query(REMOVE, [rows.map((r) => r.id)]);
}

/** See `Store.deleteRun`. */
export function deleteRun(pool: pg.Pool, tenant: string, id: string): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const rows = await tree(c, id);
    if (!deletableTree(rows, tenant, id)) return false;
    await remove(c, rows);
    return true;
  });
}

/** See `Store.pruneRuns`; the query is checked (see `checkPruneQuery`). */
export async function pruneRuns(pool: pg.Pool, query: PruneQuery): Promise<number> {
  const q = normalisedPruneQuery(query);
  const batch = pruneBatchSize(q);
  let deleted = 0;
  let after: Position | undefined;
  do {
    const step = await inTransaction(pool, async (c) => {
      const candidates = await candidatesOf(c, q, after, batch);
      let n = 0;
      for (const cand of candidates) {
        if (q.spare?.(cand.id) === true) continue;
        const rows = await tree(c, cand.id);
        if (!prunableTree(rows)) continue;
        await remove(c, rows);
        n += rows.length;
      }
      return { n, next: candidates.length < batch ? undefined : candidates[candidates.length - 1] };
    });
    deleted += step.n;
    after = step.next;
  } while (after !== undefined);
  return deleted;
}

/** The query's filters as SQL; statuses default to every terminal one, never any other. */
function filtersOf(query: PruneQuery, values: unknown[]): string {
  values.push(pruneStatuses(query));
  const parts = [`status = ANY($${values.length}::text[])`];
  if (query.tenant !== undefined) {
    values.push(query.tenant);
    parts.push(`tenant = $${values.length}`);
  }
  if (query.workflowId !== undefined) {
    values.push(query.workflowId);
    parts.push(`workflow_id = $${values.length}`);
  }
  return parts.join(' AND ');
}

/** The next `limit` runs past a bound, in (created_at, id) order after `after`. */
async function candidatesOf(
  c: pg.ClientBase,
  query: PruneQuery,
  after: Position | undefined,
  limit: number,
): Promise<Position[]> {
  const values: unknown[] = [];
  const filters = filtersOf(query, values);
  const bounds: string[] = [];
  if (query.finishedBefore !== undefined) {
    values.push(query.finishedBefore);
    // A run finishes after it is created: the first test lets the index stop the scan early.
    bounds.push(
      `(created_at < $${values.length} AND COALESCE(finished_at, created_at) < $${values.length})`,
    );
  }
  if (query.keepLatest !== undefined) {
    const cutoff = await cutoffOf(c, query, query.keepLatest);
    if (cutoff === 'all') bounds.push('true');
    else if (cutoff !== undefined) {
      values.push(cutoff.created_at, cutoff.id);
      bounds.push(`(created_at, id) < ($${values.length - 1}, $${values.length})`);
    }
  }
  if (bounds.length === 0) return [];
  let sql = `SELECT created_at, id FROM runs WHERE ${filters} AND (${bounds.join(' OR ')})`;
  if (after !== undefined) {
    values.push(after.created_at, after.id);
    sql += ` AND (created_at, id) > ($${values.length - 1}, $${values.length})`;
  }
  values.push(limit);
  sql += ` ORDER BY created_at, id LIMIT $${values.length}`;
  return (await c.query<Position>(sql, values)).rows;
}

/**
 * The oldest run to keep under `keepLatest`: runs before it are past the count. `'all'` when
 * none is kept, undefined when there are no more runs than that.
 */
async function cutoffOf(
  c: pg.ClientBase,
  query: PruneQuery,
  keep: number,
): Promise<Position | 'all' | undefined> {
  if (keep <= 0) return 'all';
  const values: unknown[] = [];
  const filters = filtersOf(query, values);
  values.push(keep - 1);
  const { rows } = await c.query<Position>(
    `SELECT created_at, id FROM runs WHERE ${filters}
     ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $${values.length}`,
    values,
  );
  return rows[0];
}
