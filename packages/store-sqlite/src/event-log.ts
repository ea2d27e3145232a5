/**
 * @module event-log
 * A run's event log as rows of `run_event_batches`: the events one commit appends to one run are
 * one row, a JSON array of entries whose seqs follow the row's first_seq (see migration
 * `0004_lean_rows` for the entry format). One row and one JSON string per run per commit, whatever
 * the number of events, and no output stored twice (see `output-refs.ts`).
 */
import type { Database, Statement } from 'better-sqlite3';
import { WeftError, type RunEvent } from '@weft/core';
import { RUN_OUTPUT_BY_EVENT } from './statements.js';

/**
 * `[type, at, node, data, ref]`: node null when absent; data left out when absent; at 0 when it is
 * the row's first entry's; ref 1 when data.output was left out.
 */
type Entry = [type: string, at: string | 0, node: string | null, data?: unknown, ref?: 1];

interface BatchRow {
  first_seq: number;
  events: string;
}

/** Reading the event log, on one connection (rows are written by `apply-plan.js`). */
export class EventLog {
  readonly #from: Statement<[string, string, number], BatchRow>;
  readonly #nodeOutput: Statement<[string, string, number], string | null | undefined>;
  readonly #runOutput: Statement<[string, number], string | null | undefined>;
  readonly #movedOutput: Statement<[string, number], string | null | undefined>;

  constructor(db: Database) {
    // From the row that holds the first wanted seq: a seek, however long the log.
    this.#from = db.prepare(
      `SELECT first_seq, events FROM run_event_batches
       WHERE run_id = ? AND first_seq >= COALESCE(
         (SELECT first_seq FROM run_event_batches WHERE run_id = ? AND first_seq <= ?
          ORDER BY first_seq DESC LIMIT 1), 0)
       ORDER BY first_seq`,
    );
    const pluck = <P extends unknown[]>(sql: string) =>
      db.prepare<P, string | null | undefined>(sql).pluck();
    this.#nodeOutput = pluck(
      'SELECT output FROM run_nodes WHERE run_id = ? AND path = ? AND out_seq = ?',
    );
    this.#runOutput = pluck(RUN_OUTPUT_BY_EVENT);
    this.#movedOutput = pluck('SELECT output FROM event_outputs WHERE run_id = ? AND seq = ?');
  }

  /** Events with seq > afterSeq, in order, at most `limit` (all when undefined). */
  read(runId: string, afterSeq: number, limit: number | undefined): RunEvent[] {
    const out: RunEvent[] = [];
    const max = limit === undefined ? Infinity : Math.max(0, limit);
    if (max === 0) return out;
    for (const row of this.#from.iterate(runId, runId, afterSeq + 1)) {
      const entries = JSON.parse(row.events) as Entry[];
      const firstAt = (entries[0] as Entry)[1] as string;
      for (let i = 0; i < entries.length; i++) {
        const seq = row.first_seq + i;
        if (seq <= afterSeq) continue;
        out.push(this.#fromEntry(runId, seq, entries[i] as Entry, firstAt));
        if (out.length >= max) return out;
      }
    }
    return out;
  }

  #fromEntry(runId: string, seq: number, entry: Entry, firstAt: string): RunEvent {
    // Keys in the order the decider writes them, so that events read back serialise as they did.
    const [type, at, node] = entry;
    const event: Record<string, unknown> = { seq, type, at: at === 0 ? firstAt : at };
    if (node !== null) event['node'] = node;
    if (entry.length > 3) {
      event['data'] =
        entry[4] === 1
          ? { output: this.#output(runId, seq, node), ...(entry[3] as object) }
          : entry[3];
    }
    // The row holds what the decider wrote, and the decider writes only declared events.
    return event as unknown as RunEvent;
  }

  /** The output an entry left out: in its row while the row still holds it, else moved aside. */
  #output(runId: string, seq: number, node: string | null): unknown {
    const text =
      (node === null ? this.#runOutput.get(runId, seq) : this.#nodeOutput.get(runId, node, seq)) ??
      this.#movedOutput.get(runId, seq);
    if (typeof text !== 'string') {
      throw new WeftError('internal', `run ${runId}: the output of event ${seq} is missing`);
    }
    return JSON.parse(text);
  }
}

function toEntry(e: RunEvent, sameAt: boolean, ref: boolean): Entry {
  const node = e.node ?? null;
  const at = sameAt ? 0 : e.at;
  if (e.data === undefined) return [e.type, at, node];
  if (!ref) return [e.type, at, node, e.data];
  const { output: _left, ...rest } = e.data as { output: unknown };
  return [e.type, at, node, rest, 1];
}

/**
 * The rows that append `events` (in their order) to a run's log: events whose seqs follow each
 * other share a row. `refs`: seqs of the events whose output the write stores in a node or run row,
 * which the entries leave out.
 */
export function eventRows(
  events: readonly RunEvent[],
  refs: ReadonlySet<number> | undefined,
): [first: number, last: number, entries: string][] {
  const rows: [number, number, string][] = [];
  let start = 0;
  while (start < events.length) {
    const head = events[start] as RunEvent;
    let end = start + 1;
    while (end < events.length && (events[end] as RunEvent).seq === head.seq + (end - start)) end++;
    const entries: Entry[] = [];
    for (let i = start; i < end; i++) {
      const e = events[i] as RunEvent;
      entries.push(toEntry(e, i > start && e.at === head.at, refs?.has(e.seq) === true));
    }
    rows.push([head.seq, head.seq + (end - start - 1), JSON.stringify(entries)]);
    start = end;
  }
  return rows;
}
