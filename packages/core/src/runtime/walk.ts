/**
 * @module runtime/walk
 * The node walk, one algorithm: how nodes become ready and start (the join rule over incoming
 * edges, `when`, the concurrency queue, rendering parameters, handing the start to the node's
 * control or to the shell); how nodes, body instances and the run finish (outputs enter the scope,
 * outgoing edges resolve, a frame whose nodes are all finished completes and a body reports to its
 * owner's control); and how failures travel (an attempt's failure retries or applies the node's
 * on_error, a failed body fails its owner, a failure at the top fails the run) and work in flight
 * is cancelled. Readiness, completion and failure call into each other, so they are one module.
 *
 * Controls make some of these moves (fail or complete their node, start a body, park): they get
 * them as {@link WALK}, handed to each hook, rather than importing this module, which calls them.
 */
import { scopeEntry } from './scope.js';
import type { PlanNode } from '../compile/plan.js';
import { causeOf, WeftError, type ErrorInfo } from '../errors.js';
import { toPlainJson, toScopeValue } from '../expr/index.js';
import type { NodeEventData } from '../events.js';
import { CONTROLS } from './controls/index.js';
import type { Walk } from './controls/types.js';
import type { AttemptError, Decider } from './decider.js';
import { releaseMessages } from './messages.js';
import { graphOutput, toBoolean } from './outputs.js';
import type { Command } from './protocol.js';
import type { FrameState, NodeState } from './state.js';
import { backoffDelay } from './time.js';

/** Longest wait a `retry_after_ms` from a node may impose before a retry. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** The moves controls make, handed to their hooks: one static object, nothing allocated per call. */
export const WALK: Walk = { failNode, completeNode, createFrame, park };

// Readiness: nodes become ready and start.

/** Starts every entry node of a frame's graph. */
export function startFrame(d: Decider, frame: string): void {
  for (const index of d.graphOf(frame).entries) {
    const ns = d.node(frame, index);
    d.defer(() => onReady(d, ns));
  }
}

function resolveEdge(d: Decider, target: NodeState, taken: boolean): void {
  target.resolvedIn++;
  if (taken) target.takenIn++;
  d.touch(target.path);
  checkReady(d, target);
}

/** Applies the join rule to a pending node whose incoming edges changed. */
export function checkReady(d: Decider, ns: NodeState): void {
  if (ns.status !== 'pending' || ns.queued === true || ns.retryAt !== undefined) return;
  const total = d.planNode(ns).inEdges.length;
  if (d.planNode(ns).join === 'any') {
    if (ns.takenIn > 0) onReady(d, ns);
    else if (ns.resolvedIn === total) skip(d, ns, 'branch');
  } else if (ns.resolvedIn === total) {
    if (ns.takenIn > 0 || total === 0) onReady(d, ns);
    else skip(d, ns, 'branch');
  }
}

const mustWait = (d: Decider, pn: PlanNode): boolean =>
  d.meta.paused || (pn.takesSlot && d.meta.executing >= d.plan.maxConcurrency);

export function onReady(d: Decider, ns: NodeState): void {
  if (ns.status !== 'pending' || ns.queued === true) return;
  const pn = d.planNode(ns);
  if (pn.when !== undefined && ns.attempts === 0) {
    const when = pn.when;
    const r = d.evaluate(() => when.evaluate(d.scopeOf(ns.frame), { now: d.at }));
    if (!r.ok) return failNode(d, ns, r.error, true);
    if (!toBoolean(r.value)) return skip(d, ns, 'when');
  }
  if (mustWait(d, pn)) {
    ns.queued = true;
    d.meta.queue.push(ns.path);
    d.touch(ns.path);
    return;
  }
  startNode(d, ns);
}

/** Starts queued nodes while slots are free. */
export function pump(d: Decider): void {
  if (d.meta.paused || d.meta.queue.length === 0) return;
  const keep: string[] = [];
  for (const path of d.meta.queue) {
    const ns = d.state.nodes.get(path);
    if (ns?.kind !== 'node' || ns.status !== 'pending') continue;
    if (mustWait(d, d.planNode(ns))) {
      keep.push(path);
      continue;
    }
    ns.queued = false;
    d.touch(path);
    startNode(d, ns);
  }
  d.meta.queue = keep;
}

export function startNode(d: Decider, ns: NodeState): void {
  const pn = d.planNode(ns);
  const scope = d.scopeOf(ns.frame);
  const params = d.evaluate(() => toPlainJson(pn.params.evaluate(scope, { now: d.at })));
  ns.status = 'running';
  ns.attempts++;
  ns.startedAt ??= d.iso;
  d.touch(ns.path);
  if (pn.takesSlot) d.meta.executing++;
  d.emit('node.started', ns.path, { type: pn.type, attempt: ns.attempts });
  if (!params.ok) return failNode(d, ns, params.error, true);
  if (pn.control !== undefined) {
    const p = (params.value ?? {}) as Record<string, unknown>;
    return CONTROLS[pn.control].start(d, ns, pn, p, WALK);
  }
  // Committed with the start, before the execution runs: recovery can tell how many died.
  ns.unreported = (ns.unreported ?? 0) + 1;
  const command: Extract<Command, { type: 'execute' }> = {
    type: 'execute',
    path: ns.path,
    nodeId: ns.nodeId,
    nodeType: pn.type,
    attempt: ns.attempts,
    params: params.value,
    idempotencyKey: `${d.meta.runId}:${ns.path}`,
    timeoutMs: pn.timeoutMs,
  };
  if (ns.steps !== undefined) command.steps = ns.steps;
  const tokens = tokensLeft(d.plan.tokenBudget, d.meta.tokens, pn.tokenBudget, ns.tokens);
  if (tokens !== undefined) command.tokens = tokens;
  if (pn.rate !== undefined) command.rate = pn.rate;
  if (pn.budget !== undefined) command.budget = pn.budget;
  d.commands.push(command);
}

/** The smaller of what the run's and the node's token budgets leave, if either is set. */
function tokensLeft(
  run: number | undefined,
  runSpent = 0,
  node: number | undefined,
  nodeSpent = 0,
): number | undefined {
  if (run === undefined && node === undefined) return undefined;
  return Math.max(
    0,
    Math.min(
      run === undefined ? Infinity : run - runSpent,
      node === undefined ? Infinity : node - nodeSpent,
    ),
  );
}

/** A node that waits for a timer or an answer: it holds no slot meanwhile. */
export function park(d: Decider, ns: NodeState, data: NodeEventData['node.waiting']): void {
  ns.status = 'waiting';
  d.meta.parked++;
  d.touch(ns.path);
  d.emit('node.waiting', ns.path, data);
}

/** Starts one instance of a foreach or loop node's body. */
function createFrame(
  d: Decider,
  owner: NodeState,
  path: string,
  vars: Record<string, unknown>,
): void {
  const body = d.planNode(owner).body;
  if (body === undefined) throw new WeftError('internal', `${owner.path} has no body`);
  const fs: FrameState = {
    kind: 'frame',
    path,
    owner: owner.path,
    nodeId: owner.nodeId,
    status: 'running',
    open: body.nodes.length,
    vars,
  };
  d.state.nodes.set(path, fs);
  d.state.graphs.set(path, body);
  d.touch(path);
  if (body.nodes.length === 0) return completeFrame(d, fs);
  startFrame(d, path);
}

// Completion: nodes, body instances and the run finish.

/** Frees what a node held while it ran or waited. */
function release(d: Decider, ns: NodeState): void {
  if (ns.status === 'running' && d.planNode(ns).takesSlot) d.meta.executing--;
  if (ns.status === 'waiting') {
    d.meta.parked--;
    if (ns.timerId !== undefined) d.commands.push({ type: 'cancel-timer', id: ns.timerId });
    ns.timerId = undefined;
  }
}

export function completeNode(d: Decider, ns: NodeState, output: unknown, port = 'out'): void {
  release(d, ns);
  ns.status = 'succeeded';
  ns.output = output;
  ns.port = port;
  ns.finishedAt = d.iso;
  d.touch(ns.path);
  d.scopeOf(ns.frame)[ns.nodeId] = toScopeValue(output);
  const data: NodeEventData['node.succeeded'] = { output, attempts: ns.attempts };
  if (port !== 'out') data.port = port;
  d.emit('node.succeeded', ns.path, data);
  finishNode(d, ns, port);
}

function skip(d: Decider, ns: NodeState, reason: 'when' | 'branch'): void {
  ns.status = 'skipped';
  ns.finishedAt = d.iso;
  d.touch(ns.path);
  d.emit('node.skipped', ns.path, { reason });
  finishNode(d, ns, null);
}

/** Resolves the node's outgoing edges (taken when their port is `port`) and its frame. */
function finishNode(d: Decider, ns: NodeState, port: string | null): void {
  const graph = d.graphOf(ns.frame);
  const pn = d.planNode(ns);
  if (graph.messageOrder.length > 0 && pn.ordersMessages) releaseMessages(d, ns.frame);
  for (const e of pn.outEdges) {
    const edge = graph.edges[e];
    if (edge === undefined) continue;
    const target = d.node(ns.frame, edge.to);
    const taken = port !== null && edge.port === port;
    d.defer(() => resolveEdge(d, target, taken));
  }
  d.defer(() => {
    pump(d);
    const fs = d.frameState(ns.frame);
    fs.open--;
    d.touch(fs.path);
    if (fs.open === 0 && fs.status === 'running') completeFrame(d, fs);
  });
}

export function completeFrame(d: Decider, fs: FrameState): void {
  const output = graphOutput(d.graphOf(fs.path), fs.path, d.state.nodes);
  fs.status = 'succeeded';
  fs.output = output;
  d.touch(fs.path);
  if (fs.path === '') return completeRun(d, output);
  if (fs.action !== undefined) return d.onActionDone?.(fs);
  const owner = d.nodeState(fs.owner);
  const pn = d.planNode(owner);
  if (pn.control !== undefined) CONTROLS[pn.control].bodyDone?.(d, owner, pn, fs, output, WALK);
}

function completeRun(d: Decider, frameOutput: unknown): void {
  let output = frameOutput;
  if (d.plan.outputs !== undefined) {
    const outputs = d.plan.outputs;
    const r = d.evaluate(() => toPlainJson(outputs.evaluate(d.scopeOf(''), { now: d.at })));
    if (!r.ok) return failRun(d, { code: 'output_error', message: `outputs: ${r.error.message}` });
    output = r.value;
  }
  d.meta.status = 'succeeded';
  d.meta.paused = false;
  d.meta.output = output;
  d.meta.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.succeeded', undefined, { output });
  d.commands.push({ type: 'finished', status: 'succeeded' });
}

// Failure: failures travel up, work in flight is cancelled.

/**
 * One attempt failed. Retries when the error is retryable and attempts remain (unless `final`);
 * otherwise applies the node's on_error.
 */
export function failNode(d: Decider, ns: NodeState, error: AttemptError, final = false): void {
  const pn = d.planNode(ns);
  release(d, ns);
  ns.failures++;
  d.touch(ns.path);
  const { retryable, ...info } = error;
  if (!final && retryable === true && ns.failures < pn.retry.maxAttempts) {
    const delay = Math.max(
      backoffDelay(pn.retry, ns.failures, `${d.meta.runId}:${ns.path}`),
      Math.min(info.retry_after_ms ?? 0, MAX_RETRY_AFTER_MS),
    );
    ns.status = 'pending';
    ns.retryAt = new Date(d.at + delay).toISOString();
    d.meta.backoff++;
    d.addTimer(ns, 'retry', d.at + delay);
    d.emit('node.retrying', ns.path, { attempt: ns.attempts, delay_ms: delay, error: info });
    pump(d);
    return;
  }
  ns.error = info;
  ns.finishedAt = d.iso;
  ns.status = 'failed';
  const onError = pn.onError;
  if (onError.kind === 'fail') {
    d.emit('node.failed', ns.path, { error: info, attempts: ns.attempts });
    return failFrame(d, ns.frame, info, ns);
  }
  ns.handled = onError.kind;
  ns.output = onError.kind === 'return' ? onError.value : null;
  d.scopeOf(ns.frame)[ns.nodeId] = toScopeValue(scopeEntry(ns));
  d.emit('node.failed', ns.path, { error: info, attempts: ns.attempts, handled: true });
  finishNode(d, ns, onError.kind === 'branch' ? 'error' : 'out');
}

/** A node of a body failed for good: the body instance fails, and so does its owner. */
function failFrame(d: Decider, frame: string, error: ErrorInfo, culprit: NodeState): void {
  if (frame === '') return failRun(d, error);
  const fs = d.frameState(frame);
  if (fs.status !== 'running') return;
  fs.status = 'failed';
  fs.error = error;
  d.touch(frame);
  // A state machine's action that failed unhandled fails the run: nothing else owns it.
  if (fs.action !== undefined) {
    const where = `${fs.nodeId} ${fs.action.kind} action ${culprit.nodeId}`;
    return failRun(d, { ...error, message: `${where}: ${error.message}` });
  }
  const owner = d.nodeState(fs.owner);
  cancelWork(d, `${owner.path}[`, 'run_failed');
  const where = culprit.path.slice(owner.path.length);
  const message = `${where}: ${error.message}`;
  failNode(d, owner, { code: error.code, message, cause: causeOf(error) }, true);
}

export function failRun(d: Decider, error: ErrorInfo): void {
  cancelWork(d, '', 'run_failed');
  d.meta.status = 'failed';
  d.meta.paused = false;
  d.meta.error = error;
  d.meta.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.failed', undefined, { error });
  d.commands.push({ type: 'finished', status: 'failed' });
}

/** Cancels everything in flight under a path prefix ('' for the whole run). */
export function cancelWork(d: Decider, prefix: string, reason: 'cancelled' | 'run_failed'): void {
  for (const s of d.state.nodes.values()) {
    if (!s.path.startsWith(prefix)) continue;
    if (s.kind === 'frame') {
      if (s.status === 'running' && s.path !== '') {
        s.status = 'cancelled';
        d.touch(s.path);
      }
      continue;
    }
    cancelNode(d, s, reason);
  }
  if (prefix === '') d.meta.queue = [];
  else d.meta.queue = d.meta.queue.filter((p) => !p.startsWith(prefix));
}

function cancelNode(d: Decider, ns: NodeState, reason: 'cancelled' | 'run_failed'): void {
  const inBackoff = ns.status === 'pending' && ns.retryAt !== undefined;
  if (ns.queued === true) {
    ns.queued = false;
    d.touch(ns.path);
  }
  if (ns.status !== 'running' && ns.status !== 'waiting' && !inBackoff) return;
  if (ns.status === 'running') {
    const control = d.planNode(ns).control;
    if (control === undefined) d.commands.push({ type: 'abort', path: ns.path, reason });
    else CONTROLS[control].cancel?.(d, ns, WALK);
  }
  if (inBackoff) {
    d.meta.backoff--;
    d.commands.push({ type: 'cancel-timer', id: d.timerId(ns, 'retry') });
    ns.retryAt = undefined;
  }
  release(d, ns);
  ns.status = 'cancelled';
  ns.finishedAt = d.iso;
  d.touch(ns.path);
  d.emit('node.cancelled', ns.path, { reason });
}
