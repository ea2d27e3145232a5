/**
 * @module runtime/lifecycle
 * Run-level moves: start, pause, resume, cancel, retry (optionally from a node), recovery after a
 * stop, and abandoning a run whose decisions throw. Illegal moves throw before anything changes.
 */
import type { ErrorInfo } from '../errors.js';
import type { Decider } from './decider.js';
import { refusal } from './refusal.js';
import { hydrate } from './scope.js';
import { isTerminal } from '../ports/store.js';
import { hasOutput, type FrameState, type NodeState } from './state.js';
import {
  cancelWork,
  checkReady,
  completeFrame,
  failNode,
  pump,
  startFrame,
  startNode,
} from './walk.js';

const conflict = (message: string) => refusal('invalid_state', message);

export function startRun(d: Decider): void {
  if (d.meta.status !== 'queued') throw conflict(`run is ${d.meta.status}; it has already started`);
  const retried = d.state.nodes.get('');
  if (retried?.kind === 'frame') return startRetried(d, retried);
  d.meta.status = 'running';
  d.meta.startedAt = d.iso;
  const root: FrameState = {
    kind: 'frame',
    path: '',
    owner: '',
    nodeId: '',
    status: 'running',
    open: d.plan.root.nodes.length,
    vars: {},
  };
  d.state.nodes.set('', root);
  d.touch('');
  d.emit('run.started', undefined, { workflow: d.meta.workflowId, version: d.meta.version });
  armRunTimeout(d);
  if (d.plan.root.nodes.length === 0) return completeFrame(d, root);
  startFrame(d, '');
}

export function armRunTimeout(d: Decider): void {
  if (d.plan.runTimeoutMs === undefined) return;
  d.commands.push({
    type: 'timer',
    timer: {
      id: d.runTimeoutId(),
      runId: d.meta.runId,
      dueAt: d.at + d.plan.runTimeoutMs,
      kind: 'run-timeout',
    },
  });
}

export function pauseRun(d: Decider): void {
  const s = d.meta.status;
  if (isTerminal(s)) throw conflict(`run is ${s}; only a running or waiting run can be paused`);
  if (d.meta.paused) throw conflict('run is already paused');
  d.meta.paused = true;
  d.emit('run.paused');
}

export function resumeRun(d: Decider): void {
  // The status decides, not the flag: a run that finished while paused is finished (issue #9).
  const s = d.meta.status;
  if (isTerminal(s) || !d.meta.paused) throw conflict(`run is ${s}, not paused`);
  d.meta.paused = false;
  // A run still waiting for its turn under a concurrency key waits on: its start starts it.
  if (s !== 'queued') d.meta.status = 'running';
  d.emit('run.resumed');
  pump(d);
}

export function cancelRun(d: Decider, reason: string | undefined): void {
  const s = d.meta.status;
  if (isTerminal(s)) throw conflict(`run is ${s}; only an unfinished run can be cancelled`);
  cancelWork(d, '', 'cancelled');
  d.meta.status = 'cancelled';
  d.meta.paused = false;
  d.meta.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.cancelled', undefined, reason === undefined ? undefined : { reason });
  d.commands.push({ type: 'finished', status: 'cancelled' });
}

/** Top-level nodes reachable from `start` through edges, `start` included. */
function downstreamOf(d: Decider, start: number): Set<number> {
  const seen = new Set([start]);
  const stack = [start];
  for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
    for (const e of d.plan.root.nodes[i]?.outEdges ?? []) {
      const to = d.plan.root.edges[e]?.to;
      if (to !== undefined && !seen.has(to)) {
        seen.add(to);
        stack.push(to);
      }
    }
  }
  return seen;
}

/** Deletes the frames and resets the nodes under the top-level nodes that run again. */
function resetPaths(d: Decider, resetIds: readonly string[]): void {
  for (const [path, s] of [...d.state.nodes]) {
    if (path === '') continue;
    if (
      !resetIds.some((id) => path === id || path.startsWith(`${id}[`) || path.startsWith(`${id}.`))
    ) {
      continue;
    }
    if (s.kind === 'frame') {
      d.state.nodes.delete(path);
      d.removed.add(path);
      d.dirty.delete(path);
      continue;
    }
    // Attempts keep counting: the node runs again under the same idempotency key.
    d.state.nodes.set(path, {
      kind: 'node',
      path,
      nodeId: s.nodeId,
      frame: s.frame,
      index: s.index,
      status: 'pending',
      attempts: s.attempts,
      failures: 0,
      resolvedIn: 0,
      takenIn: 0,
    });
    d.touch(path);
  }
}

/** Kept top-level nodes resolve their edges into the nodes that run again, as they did before. */
function replayKeptEdges(d: Decider, kept: ReadonlySet<number>): void {
  const root = d.plan.root;
  for (const i of kept) {
    const ns = d.nodeState(root.nodes[i]?.id ?? '');
    for (const e of root.nodes[i]?.outEdges ?? []) {
      const edge = root.edges[e];
      if (edge === undefined || kept.has(edge.to)) continue;
      const target = d.node('', edge.to);
      target.resolvedIn++;
      if (edge.port === ns.port) target.takenIn++;
    }
  }
}

/**
 * A failed or cancelled run goes on: top-level nodes that produced an output keep it; every other
 * node (and, with `from`, that node and all downstream of it) runs again. A container that runs
 * again runs its whole body again. Attempt numbers go on counting.
 */
export function retryRun(d: Decider, from: string | undefined): void {
  const s = d.meta.status;
  const root = d.plan.root;
  if (from === undefined ? s !== 'failed' && s !== 'cancelled' : !isTerminal(s)) {
    throw conflict(
      from === undefined
        ? `run is ${s}; only a failed or cancelled run can be retried`
        : `run is ${s}; retry --from needs a finished run`,
    );
  }
  const fromIndex = from === undefined ? undefined : root.byId.get(from);
  if (from !== undefined && fromIndex === undefined) {
    throw refusal('not_found', `no top-level node "${from}" in workflow ${d.meta.workflowId}`);
  }
  const again = fromIndex === undefined ? new Set<number>() : downstreamOf(d, fromIndex);
  const kept = new Set<number>();
  for (const n of root.nodes) {
    const ns = d.state.nodes.get(n.id);
    if (ns?.kind === 'node' && hasOutput(ns) && !again.has(n.index)) kept.add(n.index);
  }
  resetPaths(
    d,
    root.nodes.filter((n) => !kept.has(n.index)).map((n) => n.id),
  );
  const m = d.meta;
  m.attempt++;
  m.status = 'running';
  m.paused = false;
  m.executing = m.parked = m.backoff = 0;
  m.childRuns = 0;
  // Each attempt of the run has the whole token budget: a retry is the operator's new spending.
  delete m.tokens;
  m.queue = [];
  delete m.error;
  delete m.output;
  delete m.finishedAt;
  const rootFrame = d.frameState('');
  rootFrame.status = 'running';
  rootFrame.open = root.nodes.length - kept.size;
  delete rootFrame.output;
  d.touch('');
  hydrate(d.state);
  replayKeptEdges(d, kept);
  d.emit(
    'run.retried',
    undefined,
    from === undefined ? { attempt: m.attempt } : { attempt: m.attempt, from },
  );
  // Under a concurrency key the retried run takes its turn as a new one would: it waits `queued`
  // until the engine admits it with a start (see startRetried).
  if (d.plan.concurrency !== undefined) {
    m.status = 'queued';
    return;
  }
  armRunTimeout(d);
  if (rootFrame.open === 0) return completeFrame(d, rootFrame);
  for (const n of root.nodes) {
    if (kept.has(n.index)) continue;
    const ns = d.node('', n.index);
    d.defer(() => checkReady(d, ns));
  }
}

/** The start of a retried run that waited `queued` for its turn: its reset nodes get going. */
function startRetried(d: Decider, rootFrame: FrameState): void {
  d.meta.status = 'running';
  armRunTimeout(d);
  if (rootFrame.open === 0) return completeFrame(d, rootFrame);
  for (const n of d.plan.root.nodes) {
    const ns = d.node('', n.index);
    // Kept nodes are finished: checkReady passes them over.
    d.defer(() => checkReady(d, ns));
  }
}

/**
 * After a stop: node executions that were in flight run again, with a new attempt number; a node
 * whose executions went unreported `crashLimit` times fails with `process_crashed` instead, not
 * retried, since running it again is what stopped the process.
 */
export function recoverRun(d: Decider, crashLimit: number | undefined): void {
  if (isTerminal(d.meta.status)) return;
  const inFlight = [...d.state.nodes.values()].filter(
    (s): s is NodeState => s.kind === 'node' && s.status === 'running',
  );
  for (const s of inFlight) {
    // A failure handled before may have ended the run or cancelled this node.
    if (isTerminal(d.meta.status)) return;
    if (s.status !== 'running') continue;
    const pn = d.planNode(s);
    // Work outside the decider is issued again; a subworkflow node finds its child again, as the
    // child's id is derived from the node's path.
    if (!pn.takesSlot) continue;
    const lost = s.unreported ?? 0;
    if (pn.control === undefined && crashLimit !== undefined && lost >= crashLimit) {
      failNode(d, s, crashed(s, lost), true);
      continue;
    }
    d.meta.executing--;
    s.status = 'pending';
    startNode(d, s);
  }
  pump(d);
}

/**
 * Ends the run `failed` reading nothing of its plan but the run timeout: every node at work is
 * cancelled (its execution aborted, its child run cancelled, its timer dropped) as a failure of
 * the run cancels it. The last resort when a decision throws; see `decide.ts`.
 */
export function abandonRun(d: Decider, error: ErrorInfo): void {
  const m = d.meta;
  if (isTerminal(m.status)) return;
  for (const s of d.state.nodes.values()) {
    if (s.kind === 'frame') {
      if (s.status === 'running') {
        s.status = s.path === '' ? 'failed' : 'cancelled';
        d.touch(s.path);
      }
      continue;
    }
    const backoff = s.status === 'pending' && s.retryAt !== undefined;
    if (s.status !== 'running' && s.status !== 'waiting' && !backoff) continue;
    if (s.status === 'running') {
      d.commands.push({ type: 'abort', path: s.path, reason: 'run_failed' });
      if (s.childRunId !== undefined)
        d.commands.push({ type: 'cancel-child', childRunId: s.childRunId });
    }
    if (s.timerId !== undefined) d.commands.push({ type: 'cancel-timer', id: s.timerId });
    if (backoff) d.commands.push({ type: 'cancel-timer', id: d.timerId(s, 'retry') });
    s.status = 'cancelled';
    s.finishedAt = d.iso;
    s.queued = false;
    s.retryAt = undefined;
    s.timerId = undefined;
    d.touch(s.path);
    d.emit('node.cancelled', s.path, { reason: 'run_failed' });
  }
  m.executing = m.parked = m.backoff = 0;
  m.queue = [];
  m.status = 'failed';
  m.paused = false;
  m.error = error;
  m.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.failed', undefined, { error });
  d.commands.push({ type: 'finished', status: 'failed' });
}

function crashed(ns: NodeState, lost: number): ErrorInfo {
  return {
    code: 'process_crashed',
    message:
      `${ns.path} was executing when the process stopped, ${lost} times: it is not run again, ` +
      'as it may be what stops the process',
  };
}
