/**
 * @module output-refs
 * Which outputs of a write are stored once. A `node.succeeded` (`run.succeeded`) event carries the
 * output its node (run) row holds; when the write stores that very value (the same object or
 * string, not an equal one) in the row, it goes to `run_outputs` under the event's seq, and the
 * event, the row, and any other row or event of the write holding the same value name that seq.
 * Small values (numbers, booleans, null) stay where they are: a reference would cost more.
 */
import type { NodeRecord, RunEvent, RunWrite } from '@weft/core';

export interface OutputRefs {
  /** The rows of `run_outputs` this write adds: seq → value. */
  stored: Map<number, unknown>;
  /** Event seq → the seq of the stored output its `data.output` is. */
  events: Map<number, number>;
  /** Node path → the seq of the stored output its row names. */
  nodes: Map<string, number>;
  /** The seq of the stored output the run row names. */
  run?: number;
}

const worthStoringOnce = (v: unknown): boolean =>
  typeof v === 'string' || (typeof v === 'object' && v !== null);

/** The store keeps whatever data it is given: only an object's own `output` counts. */
function outputOf(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  return Object.hasOwn(data, 'output') ? (data as { output: unknown }).output : undefined;
}

export function outputRefs(w: RunWrite): OutputRefs | undefined {
  let refs: OutputRefs | undefined;
  let byPath: Map<string, NodeRecord> | undefined;
  /** Value (by identity) → the seq it is stored under. */
  const seqOf = new Map<unknown, number>();
  for (const e of w.events as readonly RunEvent[]) {
    if (e.type !== 'node.succeeded' && e.type !== 'run.succeeded') continue;
    const output = outputOf(e.data);
    if (!worthStoringOnce(output)) continue;
    let held: unknown;
    if (e.type === 'run.succeeded') held = w.run.output;
    else {
      byPath ??= new Map(w.nodes.map((n) => [n.path, n]));
      held = byPath.get(e.node)?.output;
    }
    if (held !== output) continue;
    refs ??= { stored: new Map(), events: new Map(), nodes: new Map() };
    let seq = seqOf.get(output);
    if (seq === undefined) {
      seq = e.seq;
      seqOf.set(output, seq);
      refs.stored.set(seq, output);
    }
    refs.events.set(e.seq, seq);
  }
  if (refs === undefined) return undefined;
  // A path written twice in one write: its last row is the one stored.
  for (const n of w.nodes) {
    const seq = n.output === undefined ? undefined : seqOf.get(n.output);
    if (seq !== undefined) refs.nodes.set(n.path, seq);
    else refs.nodes.delete(n.path);
  }
  const run = w.run.output === undefined ? undefined : seqOf.get(w.run.output);
  if (run !== undefined) refs.run = run;
  return refs;
}
