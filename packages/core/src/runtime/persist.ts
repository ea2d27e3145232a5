/**
 * @module runtime/persist
 * Between a run's in-memory state and its rows: what the store writes and what it loads back.
 */
import type { NodeRecord, RunRecord } from '../ports/store.js';
import { hydrate } from './scope.js';
import type { PathState, RunMeta, RunState } from './state.js';

/** The run-row fields that are not part of the decider's state. */
export interface RunIdentity {
  id: string;
  tenant: string;
  workflowId: string;
  version: number;
  createdAt: string;
  priority: number;
  parentRunId?: string;
  parentPath?: string;
  idempotencyKey?: string;
}

type MetaState = Pick<
  RunMeta,
  'executing' | 'parked' | 'backoff' | 'paused' | 'queue' | 'attempt' | 'hostAllow' | 'depth'
> & {
  /** Absent in rows written before it was counted, and when 0. */
  childRuns?: number;
};

export function toRunRecord(identity: RunIdentity, meta: RunMeta): RunRecord {
  // Built field by field: this runs once per run per commit.
  const state: MetaState = {
    executing: meta.executing,
    parked: meta.parked,
    backoff: meta.backoff,
    paused: meta.paused,
    queue: meta.queue,
    attempt: meta.attempt,
  };
  if (meta.hostAllow !== undefined) state.hostAllow = meta.hostAllow;
  if (meta.childRuns > 0) state.childRuns = meta.childRuns;
  if (meta.depth !== undefined) state.depth = meta.depth;
  const record: RunRecord = {
    id: identity.id,
    tenant: identity.tenant,
    workflowId: identity.workflowId,
    version: identity.version,
    createdAt: identity.createdAt,
    priority: identity.priority,
    status: meta.status,
    input: meta.input,
    seq: meta.seq,
    state,
  };
  if (identity.parentRunId !== undefined) record.parentRunId = identity.parentRunId;
  if (identity.parentPath !== undefined) record.parentPath = identity.parentPath;
  if (identity.idempotencyKey !== undefined) record.idempotencyKey = identity.idempotencyKey;
  if (meta.output !== undefined) record.output = meta.output;
  if (meta.error !== undefined) record.error = meta.error;
  if (meta.startedAt !== undefined) record.startedAt = meta.startedAt;
  if (meta.finishedAt !== undefined) record.finishedAt = meta.finishedAt;
  return record;
}

export function toNodeRecord(runId: string, s: PathState): NodeRecord {
  const { output, error, ...state } = s;
  const record: NodeRecord = {
    runId,
    path: s.path,
    nodeId: s.nodeId,
    status: s.status,
    attempts: s.kind === 'node' ? s.attempts : 0,
    state,
  };
  if (output !== undefined) record.output = output;
  if (error !== undefined) record.error = error;
  if (s.kind === 'node') {
    if (s.startedAt !== undefined) record.startedAt = s.startedAt;
    if (s.finishedAt !== undefined) record.finishedAt = s.finishedAt;
  }
  return record;
}

export function fromRecords(run: RunRecord, nodes: readonly NodeRecord[]): RunState {
  const saved = run.state as MetaState;
  const meta: RunMeta = {
    runId: run.id,
    workflowId: run.workflowId,
    version: run.version,
    status: run.status,
    input: run.input,
    seq: run.seq,
    executing: saved.executing,
    parked: saved.parked,
    backoff: saved.backoff,
    paused: saved.paused,
    queue: [...saved.queue],
    attempt: saved.attempt,
    childRuns: saved.childRuns ?? 0,
  };
  if (run.startedAt !== undefined) meta.startedAt = run.startedAt;
  if (run.finishedAt !== undefined) meta.finishedAt = run.finishedAt;
  if (run.output !== undefined) meta.output = run.output;
  if (run.error !== undefined) meta.error = run.error;
  if (saved.hostAllow !== undefined) meta.hostAllow = [...saved.hostAllow];
  if (saved.depth !== undefined) meta.depth = saved.depth;
  const map = new Map<string, PathState>();
  for (const n of nodes) {
    const s = { ...(n.state as PathState) };
    if (n.output !== undefined) s.output = n.output;
    if (n.error !== undefined) s.error = n.error;
    map.set(n.path, s);
  }
  const state: RunState = { meta, nodes: map, scopes: new Map(), graphs: new Map() };
  hydrate(state);
  return state;
}
