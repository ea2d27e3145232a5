/**
 * @module token-budget-migration
 * Migration 0006: token budgets (`ports/token-budgets` in the core). A row is one window of a
 * bucket with the tokens spent in it; a bucket keeps its latest two windows of each length.
 */
import type { Migration } from '@weft/core/store-kit';

export const TOKEN_BUDGET_MIGRATION: Migration = {
  name: '0006_token_budgets',
  up: [
    `CREATE TABLE token_budgets (
      tenant text COLLATE "C" NOT NULL,
      bucket text COLLATE "C" NOT NULL,
      per_ms bigint NOT NULL,
      window_start bigint NOT NULL,
      tokens bigint NOT NULL,
      PRIMARY KEY (tenant, bucket, per_ms, window_start)
    )`,
  ],
};
