/**
 * @module runtime/messages
 * What nodes stream to the client goes out in graph order: the `message` texts and `node.progress`
 * events of a node whose type orders them (`message`, `llm`) are released only after those of the
 * ordered nodes before it in graph order are done; until then they are held in the node's state.
 */
import type { Decider } from './decider.js';
import { childPath, isNodeFinished, type HeldEmit, type NodeState } from './state.js';

/** A node's `message` text: out now, or held until the ordered nodes before it are done. */
export function message(d: Decider, ns: NodeState, text: string): void {
  deliver(d, ns, text);
}

/** A node's progress: out now, or held as a message is. */
export function progress(d: Decider, ns: NodeState, data: unknown): void {
  deliver(d, ns, { progress: data });
}

function deliver(d: Decider, ns: NodeState, item: HeldEmit): void {
  if (!d.planNode(ns).ordersMessages || !mustHold(d, ns)) return send(d, ns.path, item);
  ns.held = [...(ns.held ?? []), item];
  d.touch(ns.path);
}

/** True while an ordered node before this one is not done or still holds something. */
function mustHold(d: Decider, ns: NodeState): boolean {
  const graph = d.graphOf(ns.frame);
  for (const i of graph.messageOrder) {
    if (i === ns.index) return false;
    const before = d.state.nodes.get(childPath(ns.frame, graph.nodes[i]?.id ?? ''));
    if (before?.kind !== 'node' || !isNodeFinished(before.status) || before.held !== undefined)
      return true;
  }
  return false;
}

/** A held text (a stored row's plain string) is a message; anything else, progress. */
function send(d: Decider, path: string, item: HeldEmit): void {
  if (typeof item === 'string') d.emit('message', path, { text: item });
  else d.emit('node.progress', path, item.progress);
}

/** Releases held messages and progress whose predecessors in graph order are all done. */
export function releaseMessages(d: Decider, frame: string): void {
  const graph = d.graphOf(frame);
  for (const i of graph.messageOrder) {
    const ns = d.state.nodes.get(childPath(frame, graph.nodes[i]?.id ?? ''));
    if (ns?.kind !== 'node') return;
    if (ns.held !== undefined) {
      for (const item of ns.held) send(d, ns.path, item);
      delete ns.held;
      d.touch(ns.path);
    }
    if (!isNodeFinished(ns.status)) return;
  }
}
