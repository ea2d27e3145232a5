/**
 * @module workflows
 * Publishing definitions, versioned as `nextWorkflowVersion` (`@weft/core/store-kit`) says.
 */
import type { WorkflowDefinition } from '@weft/core';
import { nextWorkflowVersion, workflowRowValues } from '@weft/core/store-kit';
import type { Statements } from './statements.js';

/** Stores a new version unless the latest live one has the same hash. Run in a write transaction. */
export function publishWorkflow(
  s: Statements,
  tenant: string,
  definition: WorkflowDefinition,
  source: string,
  hash: string,
): { version: number; created: boolean } {
  const next = nextWorkflowVersion(s.lastWorkflowVersion.get(tenant, definition.id), hash);
  if (!next.created) return next;
  s.insertWorkflow.run(...workflowRowValues(tenant, definition, next.version, source, hash));
  return next;
}
