/**
 * @module run-row
 * Writing a run row. A run that executes changes few of its columns per commit (usually only its
 * seq), so when the writer says what the row held before, only the columns that differ are set:
 * the state JSON is not serialised again, and the status index is not rewritten (SQLite rewrites
 * the index entries of every column a statement assigns, changed or not).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { RunRecord, RunWrite } from '@weft/core';
import type { OutputRefs } from './output-refs.js';
import { toJson } from './rows.js';
import type { Statements } from './statements.js';

/** The columns a run changes while it executes, in bit order. */
const MUTABLE = [
  'status',
  'output',
  'error',
  'started_at',
  'finished_at',
  'priority',
  'seq',
  'state',
  'out_seq',
  'output_of_path',
  'output_of_seq',
] as const;

export class RunRowWriter {
  readonly #db: Database;
  readonly #s: Statements;
  /** `UPDATE ... SET <the columns of the mask>`, prepared on first use. */
  readonly #updates = new Map<number, Statement<unknown[]>>();

  constructor(db: Database, s: Statements) {
    this.#db = db;
    this.#s = s;
  }

  /**
   * Writes `w.run`; `refs` says which of this write's events name the run row for its output, and
   * which node.succeeded event holds the run's output (see `output-refs.ts`). Returns true when the row was found at
   * `w.previous.seq` and updated from it: only then may the caller rely on the stored seq having
   * been `w.previous.seq`.
   */
  write(w: RunWrite, refs: OutputRefs | undefined): boolean {
    const r = w.run;
    const p = w.previous;
    if (p !== undefined && sameFixedFields(r, p)) {
      let mask = 0;
      const values: unknown[] = [];
      // In bit order: the statement sets its columns in that order.
      const set = (bit: number, value: unknown): void => {
        mask |= bit;
        values.push(value);
      };
      // JSON fields compare by identity: a writer hands back the same value when it is unchanged.
      if (r.status !== p.status) set(1, r.status);
      // The output and the rows naming it go together (see the triggers on out_seq).
      const out = r.output !== p.output || refs?.run !== undefined ? outputColumns(r, refs) : null;
      if (out !== null) set(2, out.output);
      if (r.error !== p.error) set(4, toJson(r.error));
      if (r.startedAt !== p.startedAt) set(8, r.startedAt ?? null);
      if (r.finishedAt !== p.finishedAt) set(16, r.finishedAt ?? null);
      if (r.priority !== p.priority) set(32, r.priority);
      if (r.seq !== p.seq) set(64, r.seq);
      if (r.state !== p.state) set(128, toJson(r.state));
      if (out !== null) {
        set(256, out.outSeq);
        set(512, out.ofPath);
        set(1024, out.ofSeq);
      }
      // Nothing differs from what the writer says the row holds: nothing to write.
      if (mask === 0) return false;
      if (this.#statement(mask).run(...values, r.id, p.seq).changes === 1) return true;
    }
    this.#writeWhole(r, outputColumns(r, refs));
    return false;
  }

  #statement(mask: number): Statement<unknown[]> {
    let stmt = this.#updates.get(mask);
    if (stmt === undefined) {
      const set = MUTABLE.filter((_, i) => (mask & (1 << i)) !== 0).map((c) => `${c} = ?`);
      stmt = this.#db.prepare(`UPDATE runs SET ${set.join(', ')} WHERE id = ? AND seq = ?`);
      this.#updates.set(mask, stmt);
    }
    return stmt;
  }

  /**
   * Updated in place (the fields that change while it executes) when the fields fixed at creation
   * are unchanged, else fully upserted: new, or a fixed field differs.
   */
  #writeWhole(r: RunRecord, out: OutputColumns): void {
    const s = this.#s;
    const output = out.output;
    const error = toJson(r.error);
    const state = toJson(r.state);
    const changed = s.updateRun.run(
      r.status,
      output,
      error,
      r.startedAt ?? null,
      r.finishedAt ?? null,
      r.priority,
      r.seq,
      state,
      out.outSeq,
      out.ofPath,
      out.ofSeq,
      r.id,
      r.tenant,
      r.workflowId,
      r.version,
      r.createdAt,
      r.parentRunId ?? null,
      r.parentPath ?? null,
      r.idempotencyKey ?? null,
    ).changes;
    if (changed > 0) return;
    s.upsertRun.run(
      r.id,
      r.tenant,
      r.workflowId,
      r.version,
      r.status,
      output,
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
    );
  }
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
