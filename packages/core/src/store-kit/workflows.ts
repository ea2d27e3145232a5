/**
 * @module store-kit/workflows
 * Workflow versions are never reused: a delete marks every version deleted, and publishing again
 * continues at the highest version + 1, so a kept run's (workflow, version) can never come to name
 * another definition.
 */

/** A workflow's highest version as stored, deleted or not. */
export interface LastWorkflowVersion {
  version: number;
  hash: string;
  deleted_at: string | null;
}

/**
 * What a publish of a definition with `hash` does: nothing when the latest version is live with
 * the same hash, else store the next version.
 */
export function nextWorkflowVersion(
  last: LastWorkflowVersion | undefined,
  hash: string,
): { version: number; created: boolean } {
  if (last !== undefined && last.deleted_at === null && last.hash === hash) {
    return { version: last.version, created: false };
  }
  return { version: (last?.version ?? 0) + 1, created: true };
}
