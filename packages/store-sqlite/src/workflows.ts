/**
 * @module workflows
 * Published definitions. Versions are never reused: a delete marks every version deleted, and
 * publishing again continues at the highest version + 1, so a kept run's (workflow, version)
 * can never come to name another definition.
 */
import type { StoredWorkflow, WorkflowDefinition, WorkflowSummary } from '@weft/core';
import type { Statements, WorkflowRow, WorkflowSummaryRow } from './statements.js';

/** Stores a new version unless the latest live one has the same hash. Run in a write transaction. */
export function publishWorkflow(
  s: Statements,
  tenant: string,
  definition: WorkflowDefinition,
  source: string,
  hash: string,
): { version: number; created: boolean } {
  const last = s.lastWorkflowVersion.get(tenant, definition.id);
  if (last !== undefined && last.deleted_at === null && last.hash === hash) {
    return { version: last.version, created: false };
  }
  const version = (last?.version ?? 0) + 1;
  s.insertWorkflow.run(
    tenant,
    definition.id,
    version,
    definition.name ?? null,
    JSON.stringify(definition),
    source,
    hash,
    new Date().toISOString(),
  );
  return { version, created: true };
}

export function workflowFromRow(row: WorkflowRow): StoredWorkflow {
  return {
    tenant: row.tenant,
    id: row.id,
    version: row.version,
    definition: JSON.parse(row.definition) as WorkflowDefinition,
    source: row.source,
    hash: row.hash,
    createdAt: row.created_at,
  };
}

export function summaryFromRow(row: WorkflowSummaryRow): WorkflowSummary {
  const summary: WorkflowSummary = {
    id: row.id,
    latestVersion: row.version,
    createdAt: row.first_created_at,
    updatedAt: row.created_at,
  };
  if (row.name !== null) summary.name = row.name;
  return summary;
}
