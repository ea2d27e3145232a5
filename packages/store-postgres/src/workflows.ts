/**
 * @module workflows
 * Published definitions, versioned as `nextWorkflowVersion` (`@weft/core/store-kit`) says.
 */
import type pg from 'pg';
import type { StoredWorkflow, WorkflowDefinition, WorkflowSummary } from '@weft/core';
import {
  nextWorkflowVersion,
  summaryFromRow,
  type LastWorkflowVersion,
  WORKFLOW_COLUMNS,
  workflowFromRow,
  type WorkflowRow,
  workflowRowValues,
  type WorkflowSummaryRow,
} from '@weft/core/store-kit';
import { inTransaction } from './connect.js';

export class WorkflowTable {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Stores a new version unless the latest live one has the same hash. */
  publish(
    tenant: string,
    definition: WorkflowDefinition,
    source: string,
    hash: string,
  ): Promise<{ version: number; created: boolean }> {
    return inTransaction(this.#pool, async (c) => {
      // Publishers of one workflow queue up: each reads the version the previous one stored.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
        tenant,
        definition.id,
      ]);
      const last = (
        await c.query<LastWorkflowVersion>(
          `SELECT version, hash, deleted_at FROM workflows WHERE tenant = $1 AND id = $2
           ORDER BY version DESC LIMIT 1`,
          [tenant, definition.id],
        )
      ).rows[0];
      const next = nextWorkflowVersion(last, hash);
      if (!next.created) return next;
      await c.query(
        `INSERT INTO workflows (tenant, id, version, name, definition, source, hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        workflowRowValues(tenant, definition, next.version, source, hash),
      );
      return next;
    });
  }

  async get(
    tenant: string,
    id: string,
    version: number | undefined,
    includeDeleted: boolean,
  ): Promise<StoredWorkflow | undefined> {
    const live = includeDeleted ? '' : ' AND deleted_at IS NULL';
    const { rows } =
      version === undefined
        ? await this.#pool.query<WorkflowRow>(
            `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE tenant = $1 AND id = $2${live}
             ORDER BY version DESC LIMIT 1`,
            [tenant, id],
          )
        : await this.#pool.query<WorkflowRow>(
            `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE tenant = $1 AND id = $2 AND version = $3${live}`,
            [tenant, id, version],
          );
    return rows[0] === undefined ? undefined : workflowFromRow(rows[0]);
  }

  async latestVersion(tenant: string, id: string): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ v: number | null }>({
      name: 'weft_latest_version',
      text: 'SELECT MAX(version) AS v FROM workflows WHERE tenant = $1 AND id = $2 AND deleted_at IS NULL',
      values: [tenant, id],
    });
    return rows[0]?.v ?? undefined;
  }

  async list(tenant: string): Promise<WorkflowSummary[]> {
    const { rows } = await this.#pool.query<WorkflowSummaryRow>(
      `SELECT w.id, w.name, w.version, f.first_created_at, w.created_at
       FROM workflows w
       JOIN (SELECT id, MAX(version) AS latest, MIN(created_at) AS first_created_at FROM workflows
             WHERE tenant = $1 AND deleted_at IS NULL GROUP BY id) f
         ON w.id = f.id AND w.version = f.latest
       WHERE w.tenant = $1
       ORDER BY w.id`,
      [tenant],
    );
    return rows.map(summaryFromRow);
  }

  /** Marks every version deleted and deletes the workflow's schedules, in one transaction. */
  delete(tenant: string, id: string): Promise<boolean> {
    return inTransaction(this.#pool, async (c) => {
      await c.query('DELETE FROM schedules WHERE tenant = $1 AND workflow_id = $2', [tenant, id]);
      const done = await c.query(
        'UPDATE workflows SET deleted_at = $1 WHERE tenant = $2 AND id = $3 AND deleted_at IS NULL',
        [new Date().toISOString(), tenant, id],
      );
      return (done.rowCount ?? 0) > 0;
    });
  }

  async ids(): Promise<{ tenant: string; id: string }[]> {
    const { rows } = await this.#pool.query<{ tenant: string; id: string }>(
      'SELECT DISTINCT tenant, id FROM workflows ORDER BY tenant, id',
    );
    return rows;
  }
}
