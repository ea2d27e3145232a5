/**
 * @module runtime/persist
 * Between a run's in-memory state and its rows: what the store writes and what it loads back.
 */
import type { NodeRecord, RunRecord } from '../ports/store.js';
import { hydrate } from './scope.js';
import type { FrameState, PathState, RunMeta, RunState } from './state.js';

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
  | 'executing'
  | 'parked'
  | 'backoff'
  | 'paused'
  | 'queue'
  | 'attempt'
  | 'hostAllow'
  | 'depth'
  | 'tokens'
  | 'machine'
> & {
  /** Absent in rows written before it was counted, and when 0. */
  childRuns?: number;
};

/**
 * The run row of a run's state. With `previous` (the row as last stored), the previous state object
 * is reused when no part of it changed, so that the store can see by identity that it need not
 * write it (see `RunWrite.previous`).
 */
export function toRunRecord(identity: RunIdentity, meta: RunMeta, previous?: RunRecord): RunRecord {
  const before = previous?.state as MetaState | undefined;
  const state = before !== undefined && sameMetaState(before, meta) ? before : metaState(meta);
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

function metaState(meta: RunMeta): MetaState {
  // Built field by field: this runs once per run per commit. The lists are copies: the decider
  // changes its own in place, and the record stays what was stored (the next commit's previous).
  const state: MetaState = {
    executing: meta.executing,
    parked: meta.parked,
    backoff: meta.backoff,
    paused: meta.paused,
    queue: [...meta.queue],
    attempt: meta.attempt,
  };
  if (meta.hostAllow !== undefined) state.hostAllow = [...meta.hostAllow];
  if (meta.childRuns > 0) state.childRuns = meta.childRuns;
  if (meta.depth !== undefined) state.depth = meta.depth;
  if (meta.tokens !== undefined) state.tokens = meta.tokens;
  // The machine logic never changes a machine in place (see MachineState): no copy needed.
  if (meta.machine !== undefined) state.machine = meta.machine;
  return state;
}

function sameMetaState(s: MetaState, meta: RunMeta): boolean {
  return (
    s.executing === meta.executing &&
    s.parked === meta.parked &&
    s.backoff === meta.backoff &&
    s.paused === meta.paused &&
    s.attempt === meta.attempt &&
    (s.childRuns ?? 0) === meta.childRuns &&
    s.depth === meta.depth &&
    s.tokens === meta.tokens &&
    s.machine === meta.machine &&
    sameStrings(s.queue, meta.queue) &&
    (s.hostAllow === meta.hostAllow ||
      (s.hostAllow !== undefined &&
        meta.hostAllow !== undefined &&
        sameStrings(s.hostAllow, meta.hostAllow)))
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A frame row's state JSON; `runOutput`: its output is the run's, kept in the run row only. */
type SavedFrame = Omit<FrameState, 'path' | 'nodeId' | 'status' | 'output' | 'error'> & {
  runOutput?: true;
};

/**
 * The row of a node or frame. The fields the row has columns for (path, node id, status, and a
 * node's attempts and times) are left out of its state JSON: stored once, not twice. So is the
 * top frame's output when it is the very value of the run's (`runOutput`, the run row's output).
 */
export function toNodeRecord(runId: string, s: PathState, runOutput?: unknown): NodeRecord {
  if (s.kind === 'frame') {
    const { output, error, path, nodeId, status, ...rest } = s;
    const state: SavedFrame = rest;
    const record: NodeRecord = { runId, path, nodeId, status, attempts: 0, state };
    if (path === '' && output !== undefined && output === runOutput) state.runOutput = true;
    else if (output !== undefined) record.output = output;
    if (error !== undefined) record.error = error;
    return record;
  }
  const { output, error, path, nodeId, status, attempts, startedAt, finishedAt, ...state } = s;
  const record: NodeRecord = { runId, path, nodeId, status, attempts, state };
  if (output !== undefined) record.output = output;
  if (error !== undefined) record.error = error;
  if (startedAt !== undefined) record.startedAt = startedAt;
  if (finishedAt !== undefined) record.finishedAt = finishedAt;
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
  if (saved.tokens !== undefined) meta.tokens = saved.tokens;
  if (saved.machine !== undefined) meta.machine = saved.machine;
  const map = new Map<string, PathState>();
  for (const n of nodes) map.set(n.path, fromNodeRecord(n, run.output));
  const state: RunState = { meta, nodes: map, scopes: new Map(), graphs: new Map() };
  hydrate(state);
  return state;
}

/** A path's state from its row: the state JSON with the columns put back (see toNodeRecord). */
function fromNodeRecord(n: NodeRecord, runOutput: unknown): PathState {
  // Rows written before the columns were left out of the state hold them in both: same values.
  const s: PathState = { ...(n.state as PathState), path: n.path, nodeId: n.nodeId };
  if (s.kind === 'frame') {
    s.status = n.status as FrameState['status'];
    const saved = s as FrameState & SavedFrame;
    if (saved.runOutput === true) {
      delete saved.runOutput;
      s.output = runOutput;
    }
  } else {
    s.status = n.status;
    s.attempts = n.attempts;
    if (n.startedAt !== undefined) s.startedAt = n.startedAt;
    if (n.finishedAt !== undefined) s.finishedAt = n.finishedAt;
  }
  if (n.output !== undefined) s.output = n.output;
  if (n.error !== undefined) s.error = n.error;
  return s;
}
