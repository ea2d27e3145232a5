/**
 * @module store-kit/event-entries
 * A run's event log as the stores keep it: the events one commit appends to one run are one row, a
 * JSON array of entries whose seqs follow the row's first seq. One row and one JSON string per run
 * per commit, whatever the number of events.
 *
 * An entry is `[type, at, node, data, ref]`: node null when absent; data left out when absent; at
 * 0 when it is the row's first entry's; ref present when data.output was left out because the
 * store keeps that output elsewhere, and naming where (what it holds is the store's affair).
 */
import type { RunEvent } from '../events.js';

export type EventEntry = [
  type: string,
  at: string | 0,
  node: string | null,
  data?: unknown,
  ref?: number,
];

function toEntry(e: RunEvent, sameAt: boolean, ref: number | undefined): EventEntry {
  const node = e.node ?? null;
  const at = sameAt ? 0 : e.at;
  if (e.data === undefined) return [e.type, at, node];
  if (ref === undefined) return [e.type, at, node, e.data];
  const { output: _left, ...rest } = e.data as { output: unknown };
  return [e.type, at, node, rest, ref];
}

/**
 * The rows that append `events` (in their order) to a run's log: events whose seqs follow each
 * other share a row, each made by `row` from its seqs and its entries as JSON text.
 * @param refOf - the ref of the event with this seq, when its output is left out.
 */
export function eventBatches<R>(
  events: readonly RunEvent[],
  refOf: (seq: number) => number | undefined,
  row: (first: number, last: number, entries: string) => R,
): R[] {
  const rows: R[] = [];
  let start = 0;
  while (start < events.length) {
    const head = events[start] as RunEvent;
    let end = start + 1;
    while (end < events.length && (events[end] as RunEvent).seq === head.seq + (end - start)) end++;
    const entries: EventEntry[] = [];
    for (let i = start; i < end; i++) {
      const e = events[i] as RunEvent;
      entries.push(toEntry(e, i > start && e.at === head.at, refOf(e.seq)));
    }
    rows.push(row(head.seq, head.seq + (end - start - 1), JSON.stringify(entries)));
    start = end;
  }
  return rows;
}

/**
 * The event of an entry read back.
 * @param firstAt - the time of its row's first entry.
 * @param leftOut - the output the entry left out (called only when it has a ref).
 */
export function eventFromEntry(
  seq: number,
  entry: EventEntry,
  firstAt: string,
  leftOut: (ref: number) => unknown,
): RunEvent {
  // Keys in the order the decider writes them, so that events read back serialise as they did.
  const [type, at, node] = entry;
  const event: Record<string, unknown> = { seq, type, at: at === 0 ? firstAt : at };
  if (node !== null) event['node'] = node;
  if (entry.length > 4)
    event['data'] = { output: leftOut(entry[4] as number), ...(entry[3] as object) };
  else if (entry.length > 3) event['data'] = entry[3];
  // The row holds what the decider wrote, and the decider writes only declared events.
  return event as unknown as RunEvent;
}
