/**
 * @module lean-writes-migration
 * Migration 0009: what a commit pays per row, made smaller (measured with the W3 workload of
 * `npm run bench -- --store postgres`).
 * - A run's row and its nodes' rows are rewritten at almost every decision, and the columns a
 *   decision changes are not indexed (a run's status and holder change at its start, end, claim
 *   and release only): with room left on each page, PostgreSQL updates them in place (HOT)
 *   instead of adding an entry to each of the runs' ten indexes. At fillfactor 50, 80 % of the
 *   runs' and 96 % of the nodes' updates were HOT (29 % and 9 % at the default 100), and both
 *   tables ended smaller, dead versions being pruned within their page.
 * - The rows of a run's outputs, nodes, events and timers no longer check their run by foreign
 *   key: a commit writes them with their run's row in the same transaction, so every check found
 *   its run, at one lookup per inserted row. A run's deletion deletes them (`retention.ts`).
 */
import type { Migration } from '@weft/core/store-kit';

export const LEAN_WRITES_MIGRATION: Migration = {
  name: '0009_lean_writes',
  up: [
    `ALTER TABLE runs SET (fillfactor = 50)`,
    `ALTER TABLE run_nodes SET (fillfactor = 50)`,
    `ALTER TABLE run_outputs DROP CONSTRAINT run_outputs_run_id_fkey`,
    `ALTER TABLE run_nodes DROP CONSTRAINT run_nodes_run_id_fkey`,
    `ALTER TABLE run_event_batches DROP CONSTRAINT run_event_batches_run_id_fkey`,
    `ALTER TABLE timers DROP CONSTRAINT timers_run_id_fkey`,
  ],
};

/** The tables whose rows belong to one run, by `run_id`, and go with it. */
export const RUN_CHILD_TABLES = ['run_outputs', 'run_nodes', 'run_event_batches', 'timers'];
