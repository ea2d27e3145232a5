/**
 * @module write
 * The body of a commit: every row of every {@link RunWrite}, through prepared statements. It runs
 * inside the caller's transaction and is the hot path of the engine, so it binds positional values
 * and builds no intermediate objects.
 */
import { WeftError, type RunWrite } from '@weft/core';
import { toJson } from './rows.js';
import type { Statements } from './statements.js';

/**
 * Writes the runs in order. A run row is first updated in place (the fields that change while it
 * executes) and fully upserted only when it is new or a fixed field differs. Rows are removed
 * before they are written, so one commit can reset a node and write it afresh, or move a timer
 * under the same id.
 */
export function writeRuns(s: Statements, writes: readonly RunWrite[]): void {
  for (const w of writes) {
    const r = w.run;
    const changed = s.updateRun.run(
      r.status,
      toJson(r.output),
      toJson(r.error),
      r.startedAt ?? null,
      r.finishedAt ?? null,
      r.priority,
      r.seq,
      toJson(r.state),
      r.id,
      r.tenant,
      r.workflowId,
      r.version,
      r.createdAt,
      r.parentRunId ?? null,
      r.parentPath ?? null,
      r.idempotencyKey ?? null,
    ).changes;
    if (changed === 0) {
      s.upsertRun.run(
        r.id,
        r.tenant,
        r.workflowId,
        r.version,
        r.status,
        toJson(r.output),
        toJson(r.error),
        r.createdAt,
        r.startedAt ?? null,
        r.finishedAt ?? null,
        r.parentRunId ?? null,
        r.parentPath ?? null,
        r.priority,
        r.idempotencyKey ?? null,
        r.seq,
        toJson(r.state),
      );
    }
    if (w.inputUnchanged !== true) s.upsertInput.run(r.id, toJson(r.input));
    if (w.removeNodes !== undefined) {
      for (const path of w.removeNodes) s.deleteNode.run(r.id, path);
    }
    for (const n of w.nodes) {
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
      );
    }
    for (const e of w.events) {
      s.insertEvent.run(r.id, e.seq, e.type, e.at, e.node ?? null, toJson(e.data));
    }
    for (const id of w.removeTimers) s.deleteTimer.run(id);
    for (const t of w.addTimers) {
      s.insertTimer.run(t.id, t.runId, t.dueAt, t.kind, t.path ?? null, toJson(t.data));
    }
  }
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
