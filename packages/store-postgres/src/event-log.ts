/**
 * @module event-log
 * A run's event log as rows of `run_event_batches`: the events one commit appends to one run are
 * one row, a JSON array of entries whose seqs follow the row's first_seq (see migration
 * `0001_initial` for the entry format). An output stored once (see `output-refs.ts`) is left out
 * of its entry, which names it by seq.
 */
import type pg from 'pg';
import { WeftError, type RunEvent } from '@weft/core';
import { eventBatches, eventFromEntry, type EventEntry as Entry } from '@weft/core/store-kit';

/** One row to insert: a run's events whose seqs follow each other. */
export interface Batch {
  runId: string;
  first: number;
  last: number;
  events: string;
}

/**
 * Cuts a write's events into rows (a new row wherever the seqs do not follow each other).
 * `refs`: event seq → the seq of the stored output its data.output is.
 */
export function batchesOf(
  runId: string,
  events: readonly RunEvent[],
  refs: ReadonlyMap<number, number> | undefined,
): Batch[] {
  const refOf = (seq: number) => refs?.get(seq);
  return eventBatches(events, refOf, (first, last, entries) => ({
    runId,
    first,
    last,
    events: entries,
  }));
}

/** True when two of the batches of one run share a seq: a commit that repeats a seq is refused. */
export function overlapping(batches: readonly Batch[]): string[] {
  const byRun = new Map<string, Batch[]>();
  for (const b of batches) {
    const list = byRun.get(b.runId) ?? [];
    list.push(b);
    byRun.set(b.runId, list);
  }
  const clash: string[] = [];
  for (const [runId, list] of byRun) {
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => a.first - b.first);
    for (let i = 1; i < sorted.length; i++) {
      if ((sorted[i] as Batch).first <= (sorted[i - 1] as Batch).last) {
        clash.push(runId);
        break;
      }
    }
  }
  return clash;
}

const READ_BATCHES = {
  name: 'weft_read_batches',
  // From the row that holds the first wanted seq: a seek, however long the log.
  text: `SELECT first_seq, events FROM run_event_batches
    WHERE run_id = $1 AND first_seq >= COALESCE(
      (SELECT first_seq FROM run_event_batches WHERE run_id = $1 AND first_seq <= $2
       ORDER BY first_seq DESC LIMIT 1), 0)
    ORDER BY first_seq`,
};

const READ_OUTPUTS = {
  name: 'weft_read_outputs',
  text: 'SELECT seq, output FROM run_outputs WHERE run_id = $1 AND seq = ANY($2::int[])',
};

/** Events with seq > afterSeq, in order, at most `limit` (all when undefined). */
export async function readEvents(
  db: pg.Pool | pg.ClientBase,
  runId: string,
  afterSeq: number,
  limit: number | undefined,
): Promise<RunEvent[]> {
  const max = limit === undefined ? Infinity : Math.max(0, limit);
  if (max === 0) return [];
  const { rows } = await db.query<{ first_seq: number; events: string }>({
    ...READ_BATCHES,
    values: [runId, afterSeq + 1],
  });
  const picked: { seq: number; entry: Entry; firstAt: string }[] = [];
  outer: for (const row of rows) {
    const entries = JSON.parse(row.events) as Entry[];
    const firstAt = (entries[0] as Entry)[1] as string;
    for (let i = 0; i < entries.length; i++) {
      const seq = row.first_seq + i;
      if (seq <= afterSeq) continue;
      picked.push({ seq, entry: entries[i] as Entry, firstAt });
      if (picked.length >= max) break outer;
    }
  }
  const wanted = [...new Set(picked.flatMap((p) => (p.entry.length > 4 ? [p.entry[4]] : [])))];
  const outputs = new Map<number, string>();
  if (wanted.length > 0) {
    const found = await db.query<{ seq: number; output: string }>({
      ...READ_OUTPUTS,
      values: [runId, wanted],
    });
    for (const r of found.rows) outputs.set(r.seq, r.output);
  }
  return picked.map((p) =>
    eventFromEntry(p.seq, p.entry, p.firstAt, (ref) => {
      const text = outputs.get(ref);
      if (text === undefined) {
        throw new WeftError('internal', `run ${runId}: the output of event ${p.seq} is missing`);
      }
      return JSON.parse(text);
    }),
  );
}
