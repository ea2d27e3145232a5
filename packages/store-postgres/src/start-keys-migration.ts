/**
 * @module start-keys-migration
 * Migration 0008: a workflow's `singleton:` and `debounce:` (`ports/start-keys` in the core). A
 * run's singleton key is a column of its row, unique among unfinished runs only, so that finishing
 * frees it with no write of its own. A debounced start waiting to fire is a row of `debounces`,
 * one pending (not fired) row per key value; times are epoch ms on the engines' clocks, as timers.
 */
import type { Migration } from '@weft/core/store-kit';

export const START_KEYS_MIGRATION: Migration = {
  name: '0008_start_keys',
  up: [
    `ALTER TABLE runs ADD COLUMN singleton_key text COLLATE "C"`,
    `CREATE UNIQUE INDEX runs_singleton ON runs (tenant, workflow_id, singleton_key)
      WHERE singleton_key IS NOT NULL AND status NOT IN ('succeeded', 'failed', 'cancelled')`,
    `CREATE TABLE debounces (
      run_id text COLLATE "C" PRIMARY KEY,
      tenant text COLLATE "C" NOT NULL,
      workflow_id text COLLATE "C" NOT NULL,
      key text COLLATE "C" NOT NULL,
      version integer NOT NULL,
      input text NOT NULL,
      priority integer NOT NULL,
      due_at bigint NOT NULL,
      deadline bigint NOT NULL,
      rev integer NOT NULL DEFAULT 0,
      fired boolean NOT NULL DEFAULT false
    )`,
    `CREATE UNIQUE INDEX debounces_pending ON debounces (tenant, workflow_id, key) WHERE NOT fired`,
    `CREATE INDEX debounces_due ON debounces (due_at)`,
  ],
};
