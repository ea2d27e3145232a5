/**
 * @module runtime/outputs
 * Truthiness of condition results and the output rule of a graph (SPEC section 2).
 */
import type { PlanGraph } from '../compile/plan.js';
import { childPath, hasOutput, type PathState, type NodeState } from './state.js';

/** JSONata's `$boolean` casting: how conditions are read. */
export function toBoolean(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(toBoolean);
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'function') return false;
  return Object.keys(value).length > 0;
}

/**
 * The output of a graph instance: its `end`/`output` node's if one ran, else its single sink that
 * ran, else an object of the sinks that ran keyed by id.
 */
export function graphOutput(
  graph: PlanGraph,
  frame: string,
  nodes: ReadonlyMap<string, PathState>,
): unknown {
  const ran = (index: number): NodeState | undefined => {
    const n = graph.nodes[index];
    const s = n === undefined ? undefined : nodes.get(childPath(frame, n.id));
    return s?.kind === 'node' && hasOutput(s) ? s : undefined;
  };
  for (const n of graph.nodes) {
    if (n.isOutput) {
      const s = ran(n.index);
      if (s !== undefined) return s.output;
    }
  }
  const sinks = graph.sinks.flatMap((i) => {
    const s = ran(i);
    return s === undefined ? [] : [[graph.nodes[i]?.id ?? '', s.output] as const];
  });
  if (sinks.length === 1) return sinks[0]?.[1];
  return Object.fromEntries(sinks);
}
