/**
 * @module store-kit/debounce-rows
 * A pending debounced start as both stores keep it (a row of `debounces`, see `ports/start-keys`),
 * read back the same way whatever types the driver gives its numbers and flag in.
 */
import type { DebounceRecord } from '../ports/start-keys.js';

export const DEBOUNCE_COLUMNS = `run_id, tenant, workflow_id, key, version, input, priority, due_at,
  deadline, rev, fired`;

/** A row of `debounces`: SQLite gives integers, PostgreSQL bigints as text and a boolean. */
export interface DebounceRow {
  run_id: string;
  tenant: string;
  workflow_id: string;
  key: string;
  version: number;
  input: string;
  priority: number;
  due_at: number | string;
  deadline: number | string;
  rev: number;
  fired: number | boolean;
}

export function debounceFromRow(r: DebounceRow): DebounceRecord {
  return {
    runId: r.run_id,
    tenant: r.tenant,
    workflowId: r.workflow_id,
    key: r.key,
    version: Number(r.version),
    input: JSON.parse(r.input) as unknown,
    priority: Number(r.priority),
    dueAt: Number(r.due_at),
    deadline: Number(r.deadline),
    rev: Number(r.rev),
    fired: r.fired === 1 || r.fired === true,
  };
}
