/**
 * @module write
 * The body of a commit: every row of every {@link RunWrite}, through prepared statements. It runs
 * inside the caller's transaction and is the hot path of the engine: it binds positional values,
 * serialises each value once, and writes one event row per run.
 */
import { WeftError, type NodeRecord, type RunWrite } from '@weft/core';
import type { EventLog } from './event-log.js';
import { outputRefs } from './output-refs.js';
import type { RunRowWriter } from './run-row.js';
import { toJson } from './rows.js';
import type { Statements } from './statements.js';

/** What a commit writes through, prepared once per connection. */
export interface Writers {
  s: Statements;
  runs: RunRowWriter;
  events: EventLog;
}

/**
 * Writes the runs in order: the run row (see {@link RunRowWriter}), the input unless unchanged,
 * node rows, one event row per run (outputs the rows hold left out), timers. Rows are removed before they are written, so one commit
 * can reset a node and write it afresh, or move a timer under the same id.
 */
export function writeRuns({ s, runs, events }: Writers, writes: readonly RunWrite[]): void {
  for (const w of writes) {
    const r = w.run;
    const refs = w.events.length > 0 ? outputRefs(w) : undefined;
    const fromPrevious = runs.write(w, refs);
    if (w.inputUnchanged !== true) s.upsertInput.run(r.id, toJson(r.input));
    if (w.removeNodes !== undefined) {
      for (const path of w.removeNodes) s.deleteNode.run(r.id, path);
    }
    for (const n of lastPerPath(w.nodes)) {
      s.upsertNode.run(
        n.runId,
        n.path,
        n.nodeId,
        n.status,
        n.attempts,
        toJson(n.output),
        toJson(n.error),
        n.startedAt ?? null,
        n.finishedAt ?? null,
        toJson(n.state),
        refs?.nodes.get(n.path) ?? null,
      );
    }
    if (w.events.length > 0) {
      // The row was at previous.seq, and a writer's events never run past its run's seq: the log
      // is free from previous.seq + 1 on.
      const free = fromPrevious && w.events[0]?.seq === (w.previous?.seq ?? 0) + 1;
      events.append(r.id, w.events, free, refs?.events);
    }
    for (const id of w.removeTimers) s.deleteTimer.run(id);
    for (const t of w.addTimers) {
      s.insertTimer.run(t.id, t.runId, t.dueAt, t.kind, t.path ?? null, toJson(t.data));
    }
  }
}

/**
 * A path written twice in one write: only its last row, the one that stays. Writing the first as
 * well would move its output aside under the seq of an event that carries the last one's.
 */
function lastPerPath(nodes: readonly NodeRecord[]): readonly NodeRecord[] {
  if (nodes.length < 2) return nodes;
  const last = new Map(nodes.map((n) => [n.path, n]));
  return last.size === nodes.length ? nodes : [...last.values()];
}

/**
 * Turns a key collision into `store_conflict`: the data was written by someone else first (two
 * engines on one run, or two starts with one idempotency key), so the caller must reload rather
 * than retry blindly. Anything else is returned unchanged.
 */
export function conflictOrSelf(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const message = `commit rejected, nothing written: ${(error as Error).message}`;
    return new WeftError('store_conflict', message, { level: 'unexpected', cause: error });
  }
  return error;
}
