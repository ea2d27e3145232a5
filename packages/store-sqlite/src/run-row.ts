/**
 * @module run-row
 * The run row of a commit plan. A run that executes changes few of its columns per commit (usually
 * only its seq), so when the writer says what the row held before, the plan marks only the columns
 * that differ: the statement leaves the rest alone, and the status index is not rewritten (SQLite
 * rewrites the index entries of every column a statement assigns, changed or not). The whole row
 * goes with it all the same: it is written whole when the stored row is not where the writer says.
 */
import type { RunRecord, RunWrite } from '@weft/core';
import type { OutputRefs } from './output-refs.js';
import { toJson } from '@weft/core/store-kit';

/** The run row's part of a {@link import('./apply-plan.js').RunPlan}. */
export interface RunRowPlan {
  row: unknown[];
  prevSeq: number | null;
  mask: number;
}

/**
 * Plans `w.run`; `refs` says which of this write's events name the run row for its output, and
 * which node.succeeded event holds the run's output (see `output-refs.ts`).
 */
export function planRunRow(w: RunWrite, refs: OutputRefs | undefined): RunRowPlan {
  const r = w.run;
  const p = w.previous;
  const out = outputColumns(r, refs);
  const state = toJson(r.state);
  const error = toJson(r.error);
  // In RUN_COLUMNS order (apply-plan.js).
  const row: unknown[] = [
    r.id,
    r.tenant,
    r.workflowId,
    r.version,
    r.status,
    out.output,
    error,
    r.createdAt,
    r.startedAt ?? null,
    r.finishedAt ?? null,
    r.parentRunId ?? null,
    r.parentPath ?? null,
    r.priority,
    r.idempotencyKey ?? null,
    r.seq,
    state,
    out.outSeq,
    out.ofPath,
    out.ofSeq,
  ];
  if (p === undefined || !sameFixedFields(r, p)) return { row, prevSeq: null, mask: 0 };
  // In MUTABLE's bit order. JSON fields compare by identity: a writer hands back the same value
  // when it is unchanged. The output and the columns naming it go together (see the triggers on
  // out_seq).
  let mask = 0;
  if (r.status !== p.status) mask |= 1;
  const outputChanged = r.output !== p.output || refs?.run !== undefined;
  if (outputChanged) mask |= 2 | 256 | 512 | 1024;
  if (r.error !== p.error) mask |= 4;
  if (r.startedAt !== p.startedAt) mask |= 8;
  if (r.finishedAt !== p.finishedAt) mask |= 16;
  if (r.priority !== p.priority) mask |= 32;
  if (r.seq !== p.seq) mask |= 64;
  if (r.state !== p.state) mask |= 128;
  return { row, prevSeq: p.seq, mask };
}

interface OutputColumns {
  output: string | null;
  outSeq: number | null;
  ofPath: string | null;
  ofSeq: number | null;
}

/** The output columns of the run row: its output, or the node.succeeded event that holds it. */
function outputColumns(r: RunRecord, refs: OutputRefs | undefined): OutputColumns {
  const outSeq = refs?.run ?? null;
  const of = refs?.runOutputOf;
  if (of !== undefined) return { output: null, outSeq, ofPath: of.path, ofSeq: of.seq };
  return { output: toJson(r.output), outSeq, ofPath: null, ofSeq: null };
}

function sameFixedFields(r: RunRecord, p: RunRecord): boolean {
  return (
    r.id === p.id &&
    r.tenant === p.tenant &&
    r.workflowId === p.workflowId &&
    r.version === p.version &&
    r.createdAt === p.createdAt &&
    r.parentRunId === p.parentRunId &&
    r.parentPath === p.parentPath &&
    r.idempotencyKey === p.idempotencyKey
  );
}
