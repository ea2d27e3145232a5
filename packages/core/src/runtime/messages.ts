/**
 * @module runtime/messages
 * Messages stream to the client in graph order: the text of a node whose type orders its
 * messages (`message`) is released only after the messages of the ordered nodes before it in
 * graph order; until then it is held in the node's state.
 */
import type { Decider } from './decider.js';
import { childPath, isNodeFinished, type NodeState } from './state.js';

export function message(d: Decider, ns: NodeState, text: string): void {
  const graph = d.graphOf(ns.frame);
  if (!d.planNode(ns).ordersMessages) return d.emit('message', ns.path, { text });
  for (const i of graph.messageOrder) {
    if (i === ns.index) return d.emit('message', ns.path, { text });
    const before = d.state.nodes.get(childPath(ns.frame, graph.nodes[i]?.id ?? ''));
    if (before?.kind !== 'node' || !isNodeFinished(before.status) || before.held !== undefined) {
      ns.held = [...(ns.held ?? []), text];
      d.touch(ns.path);
      return;
    }
  }
}

/** Releases held messages whose predecessors in graph order are all done. */
export function releaseMessages(d: Decider, frame: string): void {
  const graph = d.graphOf(frame);
  for (const i of graph.messageOrder) {
    const ns = d.state.nodes.get(childPath(frame, graph.nodes[i]?.id ?? ''));
    if (ns?.kind !== 'node') return;
    if (ns.held !== undefined) {
      for (const text of ns.held) d.emit('message', ns.path, { text });
      delete ns.held;
      d.touch(ns.path);
    }
    if (!isNodeFinished(ns.status)) return;
  }
}
