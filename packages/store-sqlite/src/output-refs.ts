/**
 * @module output-refs
 * Which events of a write leave their output out. A `node.succeeded` (`run.succeeded`) event
 * carries the output its node (run) row holds; when the write stores that very value in the row,
 * the event names the row instead of copying it: stored and serialised once. Only the last such
 * event per row qualifies, and only by identity (the same value, not an equal one).
 */
import type { NodeRecord, RunEvent, RunWrite } from '@weft/core';

export interface OutputRefs {
  /** Seqs of the events whose output is left out. */
  events: Set<number>;
  /** Node path → the seq its row keeps in `out_seq`. */
  nodes: Map<string, number>;
  /** The seq the run row keeps in `out_seq`. */
  run?: number;
  /**
   * The node.succeeded event (of the above) whose output is the very value of the run's: the run
   * row keeps it (`output_of_path`, `output_of_seq`) instead of the output.
   */
  runOutputOf?: { path: string; seq: number };
}

export function outputRefs(w: RunWrite): OutputRefs | undefined {
  let refs: OutputRefs | undefined;
  let byPath: Map<string, NodeRecord> | undefined;
  let seen: Set<string> | undefined;
  let runSeen = false;
  const runOutput = w.run.output;
  for (let i = w.events.length - 1; i >= 0; i--) {
    const e = w.events[i] as RunEvent;
    if (e.type === 'node.succeeded') {
      seen ??= new Set();
      if (seen.has(e.node)) continue;
      seen.add(e.node);
      byPath ??= new Map(w.nodes.map((n) => [n.path, n]));
      const n = byPath.get(e.node);
      const output = outputOf(e.data);
      if (n === undefined || output === undefined || n.output !== output) continue;
      refs ??= { events: new Set(), nodes: new Map() };
      refs.events.add(e.seq);
      refs.nodes.set(e.node, e.seq);
      if (runOutput !== undefined && output === runOutput && refs.runOutputOf === undefined) {
        refs.runOutputOf = { path: e.node, seq: e.seq };
      }
    } else if (e.type === 'run.succeeded' && !runSeen) {
      runSeen = true;
      const output = outputOf(e.data);
      if (output === undefined || runOutput !== output) continue;
      refs ??= { events: new Set(), nodes: new Map() };
      refs.events.add(e.seq);
      refs.run = e.seq;
    }
  }
  return refs;
}

/** The store keeps whatever data it is given: only an object's own `output` counts. */
function outputOf(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  return Object.hasOwn(data, 'output') ? (data as { output: unknown }).output : undefined;
}
