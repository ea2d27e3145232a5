/**
 * @module bulk-load
 * Many runs with their node rows in a few queries, for an engine that recovers thousands of runs
 * after a restart: two queries per chunk of ids instead of two per run.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { NodeRecord, RunRecord } from '@weft/core';
import { nodeFromRow, runFromRow, type NodeRow, type RunRow } from '@weft/core/store-kit';
import { NODE_COLUMNS, RUN_SELECT } from './statements.js';

/** Ids per query, bound as one JSON array. */
const CHUNK = 500;

type Loaded = { run: RunRecord; nodes: NodeRecord[] };

export class BulkLoader {
  readonly #runs: Statement<[string], RunRow>;
  readonly #nodes: Statement<[string], NodeRow>;
  readonly #read: Transaction<(ids: readonly string[]) => Loaded[]>;

  /** The schema must be migrated first. */
  constructor(db: Database) {
    const ids = 'IN (SELECT value FROM json_each(?))';
    this.#runs = db.prepare(`${RUN_SELECT} WHERE r.id ${ids}`);
    this.#nodes = db.prepare(
      `SELECT ${NODE_COLUMNS} FROM run_nodes WHERE run_id ${ids} ORDER BY run_id, path`,
    );
    // One read transaction: every run comes from the same commit, however many chunks it takes.
    this.#read = db.transaction((list: readonly string[]) => this.#readAll(list));
  }

  load(ids: readonly string[]): Loaded[] {
    return ids.length === 0 ? [] : this.#read.deferred(ids);
  }

  #readAll(ids: readonly string[]): Loaded[] {
    const found = new Map<string, Loaded>();
    const distinct = [...new Set(ids)];
    for (let i = 0; i < distinct.length; i += CHUNK) {
      const chunk = JSON.stringify(distinct.slice(i, i + CHUNK));
      for (const row of this.#runs.all(chunk))
        found.set(row.id, { run: runFromRow(row), nodes: [] });
      for (const row of this.#nodes.all(chunk)) found.get(row.run_id)?.nodes.push(nodeFromRow(row));
    }
    const out: Loaded[] = [];
    for (const id of ids) {
      const loaded = found.get(id);
      if (loaded !== undefined) out.push(loaded);
    }
    return out;
  }
}
