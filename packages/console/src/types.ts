/** The API's shapes as the console reads them (docs/api.md). */
export interface WorkflowSummary {
  id: string;
  name?: string;
  latest_version: number;
  created_at: string;
  updated_at: string;
}

export interface WorkflowVersion {
  id: string;
  version: number;
  name?: string;
  definition: Record<string, any>;
  source?: string;
  hash?: string;
  created_at: string;
}

export interface ErrorValue {
  code: string;
  message: string;
  details?: unknown;
  cause?: ErrorValue;
}

export interface NodeState {
  status: string;
  attempts?: number;
  output?: unknown;
  error?: ErrorValue | null;
  input?: unknown;
  started_at?: string | null;
  finished_at?: string | null;
  child_run_id?: string;
  [k: string]: unknown;
}

export interface Run {
  id: string;
  workflow: string;
  version: number;
  status: string;
  input: unknown;
  output: unknown;
  error: ErrorValue | null;
  nodes?: Record<string, NodeState>;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  parent_run_id?: string;
  state?: string;
  context?: unknown;
  accepts?: string[];
}

export const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
