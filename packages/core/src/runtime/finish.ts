/**
 * @module runtime/finish
 * How nodes, body instances and the run finish: outputs enter the scope, outgoing edges resolve,
 * and a frame whose nodes are all finished completes (a body reports to its owner's control).
 */
import { toPlainJson, toScopeValue } from '../expr/index.js';
import type { NodeEventData } from '../events.js';
import type { Decider } from './decider.js';
import { failRun } from './failure.js';
import { releaseMessages } from './messages.js';
import { graphOutput } from './outputs.js';
import { pump, resolveEdge } from './readiness.js';
import type { FrameState, NodeState } from './state.js';

/** Frees what a node held while it ran or waited. */
export function release(d: Decider, ns: NodeState): void {
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

export function skip(d: Decider, ns: NodeState, reason: 'when' | 'branch'): void {
  ns.status = 'skipped';
  ns.finishedAt = d.iso;
  d.touch(ns.path);
  d.emit('node.skipped', ns.path, { reason });
  finishNode(d, ns, null);
}

/** Resolves the node's outgoing edges (taken when their port is `port`) and its frame. */
export function finishNode(d: Decider, ns: NodeState, port: string | null): void {
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
  const owner = d.nodeState(fs.owner);
  const pn = d.planNode(owner);
  pn.control?.bodyDone?.(d, owner, pn, fs, output);
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
  d.meta.output = output;
  d.meta.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.succeeded', undefined, { output });
  d.commands.push({ type: 'finished', status: 'succeeded' });
}
