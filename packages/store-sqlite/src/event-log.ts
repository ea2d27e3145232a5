/**
 * @module event-log
 * A run's event log as rows of `run_event_batches`: the events one commit appends to one run are
 * one row, a JSON array of entries whose seqs follow the row's first_seq (see migration
 * `0004_lean_rows` for the entry format). One row and one JSON string per run per commit, whatever
 * the number of events, and no output stored twice (see `output-refs.ts`).
 */
import type { Database, Statement } from 'better-sqlite3';
import { WeftError, type RunEvent } from '@weft/core';
import { eventBatches, eventFromEntry, type EventEntry as Entry } from '@weft/core/store-kit';
import { RUN_OUTPUT_BY_EVENT } from './statements.js';

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
        const entry = entries[i] as Entry;
        out.push(eventFromEntry(seq, entry, firstAt, () => this.#output(runId, seq, entry[2])));
        if (out.length >= max) return out;
      }
    }
    return out;
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

/**
 * The rows that append `events` (in their order) to a run's log: events whose seqs follow each
 * other share a row. `refs`: seqs of the events whose output the write stores in a node or run row,
 * which the entries leave out.
 */
export function eventRows(
  events: readonly RunEvent[],
  refs: ReadonlySet<number> | undefined,
): [first: number, last: number, entries: string][] {
  // Ref 1: the output is in the node or run row the event's write stores (or moved aside since).
  const refOf = (seq: number) => (refs?.has(seq) === true ? 1 : undefined);
  return eventBatches(events, refOf, (first, last, entries) => [first, last, entries]);
}
