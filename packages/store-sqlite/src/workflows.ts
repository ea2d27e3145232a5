/**
 * @module workflows
 * Published definitions. Versions are never reused: a delete marks every version deleted, and
 * publishing again continues at the highest version + 1, so a kept run's (workflow, version)
 * can never come to name another definition.
 */
import type { WorkflowDefinition } from '@weft/core';
import type { Statements } from './statements.js';

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
