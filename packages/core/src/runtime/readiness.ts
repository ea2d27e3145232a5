/**
 * @module runtime/readiness
 * How nodes become ready and start: the join rule over incoming edges, `when`, the concurrency
 * queue, rendering parameters, and handing the start to the node's control or to the shell.
 */
import type { PlanNode } from '../compile/plan.js';
import { WeftError } from '../errors.js';
import { toPlainJson } from '../expr/index.js';
import type { NodeEventData } from '../events.js';
import type { Decider } from './decider.js';
import { failNode } from './failure.js';
import { completeFrame, skip } from './finish.js';
import { toBoolean } from './outputs.js';
import type { FrameState, NodeState } from './state.js';

/** Starts every entry node of a frame's graph. */
export function startFrame(d: Decider, frame: string): void {
  for (const index of d.graphOf(frame).entries) {
    const ns = d.node(frame, index);
    d.defer(() => onReady(d, ns));
  }
}

export function resolveEdge(d: Decider, target: NodeState, taken: boolean): void {
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
    return pn.control.start(d, ns, pn, (params.value ?? {}) as Record<string, unknown>);
  }
  d.commands.push({
    type: 'execute',
    path: ns.path,
    nodeId: ns.nodeId,
    nodeType: pn.type,
    attempt: ns.attempts,
    params: params.value,
    idempotencyKey: `${d.meta.runId}:${ns.path}`,
    timeoutMs: pn.timeoutMs,
  });
}

/** A node that waits for a timer or an answer: it holds no slot meanwhile. */
export function park(d: Decider, ns: NodeState, data: NodeEventData['node.waiting']): void {
  ns.status = 'waiting';
  d.meta.parked++;
  d.touch(ns.path);
  d.emit('node.waiting', ns.path, data);
}

/** Starts one instance of a foreach or loop node's body. */
export function createFrame(
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
