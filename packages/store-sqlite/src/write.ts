/**
 * @module write
 * A commit in two halves. {@link planWrites} runs where the writes were made: it compares values
 * by identity and serialises each once, into a plan of plain rows that is cheap to hand to another
 * thread. `apply-plan.js` then writes the plan inside a transaction, on whichever connection
 * commits (the store's own, or the writer thread's).
 */
import { WeftError, type NodeRecord, type RunWrite } from '@weft/core';
import type { CommitPlan, RunPlan } from './apply-plan.js';
import { eventRows } from './event-log.js';
import { outputRefs } from './output-refs.js';
import { toJson } from '@weft/core/store-kit';
import { planRunRow } from './run-row.js';

/**
 * The plan of `writes`, run by run in order: the run row (see `run-row.ts`), the input unless
 * unchanged, node rows, one event row per run and run of seqs (outputs the rows hold left out),
 * timers.
 */
export function planWrites(writes: readonly RunWrite[]): CommitPlan {
  const plan: CommitPlan = [];
  for (const w of writes) {
    const r = w.run;
    const refs = w.events.length > 0 ? outputRefs(w) : undefined;
    const { row, prevSeq, mask } = planRunRow(w, refs);
    const nodes: unknown[][] = [];
    for (const n of lastPerPath(w.nodes)) {
      nodes.push([
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
      ]);
    }
    const first = w.events[0];
    const p: RunPlan = {
      row,
      prevSeq,
      mask,
      input: w.inputUnchanged === true ? undefined : toJson(r.input),
      removeNodes: w.removeNodes,
      nodes,
      events: eventRows(w.events, refs?.events),
      eventsFollowPrevious: first !== undefined && first.seq === (w.previous?.seq ?? 0) + 1,
      removeTimers: w.removeTimers,
      addTimers: w.addTimers.map((t) => [
        t.id,
        t.runId,
        t.dueAt,
        t.kind,
        t.path ?? null,
        toJson(t.data),
      ]),
      singleton: w.singletonKey,
    };
    if (w.claim !== undefined) p.claim = [w.claim.release ? null : w.claim.worker, w.claim.token];
    plan.push(p);
  }
  return plan;
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
 * Turns a key collision (or a seq the event log already holds) into `store_conflict`: the data was
 * written by someone else first (two engines on one run, or two starts with one idempotency key),
 * so the caller must reload rather than retry blindly. A fencing refusal becomes `claim_lost`.
 * Anything else is returned unchanged.
 */
export function conflictOrSelf(error: unknown): unknown {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (e?.name === 'ClaimLost') return claimLost(JSON.parse(String(e.message)) as string[], error);
  if (
    e?.name === 'PlanConflict' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  ) {
    const message = `commit rejected, nothing written: ${String(e.message)}`;
    return new WeftError('store_conflict', message, { level: 'unexpected', cause: error });
  }
  return error;
}

/** A commit refused by its fencing check (see `apply-claims.js`), said as PostgreSQL's is. */
function claimLost(runIds: readonly string[], cause: unknown): WeftError {
  const runs = runIds.length === 1 ? `run ${runIds[0]} is` : `runs ${runIds.join(', ')} are`;
  return new WeftError('claim_lost', `${runs} held by another worker now: nothing was written`, {
    cause,
    details: { runs: runIds },
  });
}
