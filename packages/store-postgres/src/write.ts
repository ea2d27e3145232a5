/**
 * @module write
 * A commit: every row of every {@link RunWrite} as arrays (one per column, bound once and
 * `unnest`ed) given to the `weft_commit` function, which writes them all in one statement's
 * transaction. A commit of any number of runs is one round trip, and one WAL flush.
 *
 * The run row: when the writer says what the row held before (`previous`), only the columns that
 * differ are sent and assigned (the state JSON is not serialised again); rows not found at
 * `previous.seq` are then written whole, as are new runs.
 *
 * Claims (workers sharing the database): the claimed runs' tokens are checked in the same call, and
 * the commit fails as a whole with `claim_lost` when one moved on. Writes without a claim send
 * empty claim arrays and cost nothing more.
 */
import type pg from 'pg';
import {
  WeftError,
  type NodeRecord,
  type RunRecord,
  type RunWrite,
  type TimerRecord,
} from '@weft/core';
import { CLAIM_LOST_STATE } from './cluster-migration.js';
import { inTransaction } from './connect.js';
import { seqConflict } from './errors.js';
import { batchesOf, overlapping, type Batch } from './event-log.js';
import { outputRefs, type OutputRefs } from './output-refs.js';
import { toJson } from '@weft/core/store-kit';

/** Bits of the columns a delta update assigns (as `weft_commit` reads them). */
const STATUS = 1;
const OUTPUT = 2;
const ERROR = 4;
const STARTED = 8;
const FINISHED = 16;
const PRIORITY = 32;
const SEQ = 64;
const STATE = 128;
const INPUT = 256;

/** The element types of `weft_commit`'s array arguments, in order (see migration 0003_cluster). */
const DELTA_TYPES = [
  'text',
  'int',
  'int',
  'text',
  'text',
  'int',
  'text',
  'text',
  'text',
  'int',
  'int',
  'text',
  'text',
];
// id, tenant, workflow, version, status, input, output, output_seq, error, created, started,
// finished, parent, parent_path, priority, idempotency key (UTF-8 bytes), seq, state, keep_input
const WHOLE_TYPES = [
  'text',
  'text',
  'text',
  'int',
  'text',
  'text',
  'text',
  'int',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'bytea',
  'int',
  'text',
  'bool',
];
const OUTPUT_TYPES = ['text', 'int', 'text'];
const REMOVED_NODE_TYPES = ['text', 'text'];
const NODE_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'int',
  'text',
  'int',
  'text',
  'text',
  'text',
  'text',
];
const BATCH_TYPES = ['text', 'int', 'int', 'text'];
const TIMER_TYPES = ['text', 'text', 'bigint', 'text', 'text', 'text'];
// run id, holder after the commit (NULL: let go), token
const CLAIM_TYPES = ['text', 'text', 'bigint'];
const ARGUMENT_TYPES = [
  ...DELTA_TYPES,
  ...WHOLE_TYPES,
  ...OUTPUT_TYPES,
  ...REMOVED_NODE_TYPES,
  ...NODE_TYPES,
  ...BATCH_TYPES,
  'text',
  ...TIMER_TYPES,
  ...CLAIM_TYPES,
];

const COMMIT = {
  name: 'weft_commit',
  text: `SELECT weft_commit(${ARGUMENT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
};

/** A new run's `singleton:` key, set in its first commit's transaction (see migration 0008). */
const SET_SINGLETON = {
  name: 'weft_set_singleton',
  text: 'UPDATE runs SET singleton_key = $2 WHERE id = $1',
};

/** What `weft_commit` raises when run rows are not at the seq their writers read. */
const STALE = 'WF001';

/**
 * Writes the runs in order, in one transaction. A run written twice in one commit starts a second
 * call of `weft_commit` (each call writes a run once); one call, the common case, is one round
 * trip. Rows not at `previous.seq` are written again whole, as without previous.
 * A write with a singleton key sets it in the same transaction, after `weft_commit`.
 * @throws WeftError `store_conflict` when an event seq is already stored or repeated,
 *   `claim_lost` when a claimed run's token is no longer the writer's.
 */
export async function writeRuns(pool: pg.Pool, writes: readonly RunWrite[]): Promise<void> {
  const whole = new Set<string>();
  const singletons = writes.filter((w) => w.singletonKey !== undefined);
  for (;;) {
    const calls = distinctRunGroups(writes).map((group) => argumentsOf(group, whole));
    try {
      if (calls.length === 1 && singletons.length === 0) {
        await pool.query({ ...COMMIT, values: calls[0] });
      } else {
        await inTransaction(pool, async (client) => {
          for (const values of calls) await client.query({ ...COMMIT, values });
          // The key's unique index (unfinished runs only) refuses a second holder: 23505.
          for (const w of singletons) {
            await client.query({ ...SET_SINGLETON, values: [w.run.id, w.singletonKey] });
          }
        });
      }
      return;
    } catch (error) {
      const lost = detailRuns(error, CLAIM_LOST_STATE);
      if (lost !== undefined) throw claimLost(lost, error);
      const stale = detailRuns(error, STALE);
      // Nothing was written: the call (or the transaction) failed as a whole.
      if (stale === undefined || stale.every((id) => whole.has(id))) throw error;
      for (const id of stale) whole.add(id);
    }
  }
}

/** The run ids `weft_commit` names in the detail of an error it raised with SQLSTATE `state`. */
function detailRuns(error: unknown, state: string): string[] | undefined {
  const e = error as { code?: unknown; detail?: unknown } | null;
  if (e?.code !== state || typeof e.detail !== 'string') return undefined;
  return JSON.parse(e.detail) as string[];
}

function claimLost(runIds: readonly string[], cause: unknown): WeftError {
  const runs = runIds.length === 1 ? `run ${runIds[0]} is` : `runs ${runIds.join(', ')} are`;
  return new WeftError('claim_lost', `${runs} held by another worker now: nothing was written`, {
    cause,
    details: { runs: runIds },
  });
}

function distinctRunGroups(writes: readonly RunWrite[]): RunWrite[][] {
  const groups: RunWrite[][] = [];
  let current: RunWrite[] = [];
  let ids = new Set<string>();
  for (const w of writes) {
    if (ids.has(w.run.id)) {
      groups.push(current);
      current = [];
      ids = new Set();
    }
    ids.add(w.run.id);
    current.push(w);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Parallel arrays, one per column, bound as arguments of one `unnest`. */
class Columns {
  readonly cols: unknown[][];
  constructor(n: number) {
    this.cols = Array.from({ length: n }, () => []);
  }
  add(...values: unknown[]): void {
    values.forEach((v, i) => (this.cols[i] as unknown[]).push(v));
  }
}

/**
 * The arguments of one `weft_commit` call. Everything is serialised here, before anything is sent.
 * @param whole - runs to write whole although the write gives previous.
 */
function argumentsOf(writes: readonly RunWrite[], whole: ReadonlySet<string>): unknown[][] {
  const deltas = new Columns(DELTA_TYPES.length);
  const wholes = new Columns(WHOLE_TYPES.length);
  const outputs = new Columns(OUTPUT_TYPES.length);
  const removedNodes = new Columns(REMOVED_NODE_TYPES.length);
  const nodes = new Columns(NODE_TYPES.length);
  const batches: Batch[] = [];
  const removedTimers: string[] = [];
  const timers = new Columns(TIMER_TYPES.length);
  const claims = new Columns(CLAIM_TYPES.length);
  for (const w of writes) {
    const refs = w.events.length > 0 ? outputRefs(w) : undefined;
    const previous = whole.has(w.run.id) ? undefined : w.previous;
    const delta = previous === undefined ? undefined : deltaOf(w, previous, refs);
    if (delta === undefined) wholes.add(...wholeValues(w, refs));
    else if (delta !== 'none') deltas.add(...delta);
    // The holder may change although no field does: an update of the holder alone.
    else if (w.claim !== undefined && previous !== undefined) {
      deltas.add(...holderOnly(w.run.id, previous.seq));
    }
    if (w.claim !== undefined) {
      const c = w.claim;
      claims.add(w.run.id, c.release ? null : c.worker, c.token);
    }
    for (const [seq, value] of refs?.stored ?? [])
      outputs.add(w.run.id, seq, JSON.stringify(value));
    for (const path of w.removeNodes ?? []) removedNodes.add(w.run.id, path);
    for (const n of lastPerPath(w.nodes)) nodes.add(...nodeValues(n, refs));
    batches.push(...batchesOf(w.run.id, w.events, refs?.events));
    removedTimers.push(...w.removeTimers);
    for (const t of w.addTimers) timers.add(...timerValues(t));
  }
  const clash = overlapping(batches);
  if (clash.length > 0) throw seqConflict(clash);
  return [
    ...deltas.cols,
    ...wholes.cols,
    ...outputs.cols,
    ...removedNodes.cols,
    ...nodes.cols,
    batches.map((b) => b.runId),
    batches.map((b) => b.first),
    batches.map((b) => b.last),
    batches.map((b) => b.events),
    removedTimers,
    ...timers.cols,
    ...claims.cols,
  ];
}

/** A delta update that assigns no field (m = 0): `weft_commit` sets the run's holder only. */
function holderOnly(runId: string, previousSeq: number): unknown[] {
  return [runId, previousSeq, 0, ...new Array<null>(DELTA_TYPES.length - 3).fill(null)];
}

/** A node written twice in one write: the last one is what SQLite's row-by-row upserts leave. */
function lastPerPath(nodes: readonly NodeRecord[]): NodeRecord[] {
  if (nodes.length < 2) return [...nodes];
  return [...new Map(nodes.map((n) => [n.path, n])).values()];
}

/** The run's output columns: its output, or the stored output it names. */
function outputColumns(r: RunRecord, refs: OutputRefs | undefined): [string | null, number | null] {
  return refs?.run === undefined ? [toJson(r.output), null] : [null, refs.run];
}

/**
 * The values of a delta update, `'none'` when nothing differs from previous, or undefined when a
 * field fixed at creation differs (then the row is written whole).
 */
function deltaOf(
  w: RunWrite,
  p: RunRecord,
  refs: OutputRefs | undefined,
): unknown[] | 'none' | undefined {
  const r = w.run;
  if (
    r.id !== p.id ||
    r.tenant !== p.tenant ||
    r.workflowId !== p.workflowId ||
    r.version !== p.version ||
    r.createdAt !== p.createdAt ||
    r.parentRunId !== p.parentRunId ||
    r.parentPath !== p.parentPath ||
    r.idempotencyKey !== p.idempotencyKey
  ) {
    return undefined;
  }
  let m = 0;
  // JSON fields compare by identity: a writer hands back the same value when it is unchanged.
  const pick = <T>(bit: number, differs: boolean, value: () => T): T | null => {
    if (!differs) return null;
    m |= bit;
    return value();
  };
  const status = pick(STATUS, r.status !== p.status, () => r.status);
  const out = pick(OUTPUT, r.output !== p.output || refs?.run !== undefined, () =>
    outputColumns(r, refs),
  );
  const error = pick(ERROR, r.error !== p.error, () => toJson(r.error));
  const started = pick(STARTED, r.startedAt !== p.startedAt, () => r.startedAt ?? null);
  const finished = pick(FINISHED, r.finishedAt !== p.finishedAt, () => r.finishedAt ?? null);
  const priority = pick(PRIORITY, r.priority !== p.priority, () => r.priority);
  const seq = pick(SEQ, r.seq !== p.seq, () => r.seq);
  const state = pick(STATE, r.state !== p.state, () => toJson(r.state));
  const input = pick(INPUT, w.inputUnchanged !== true, () => toJson(r.input));
  if (m === 0) return 'none';
  return [
    r.id,
    p.seq,
    m,
    status,
    out?.[0] ?? null,
    out?.[1] ?? null,
    error,
    started,
    finished,
    priority,
    seq,
    state,
    input,
  ];
}

/** In `weft_commit`'s order; with inputUnchanged the stored input stays. */
function wholeValues(w: RunWrite, refs: OutputRefs | undefined): unknown[] {
  const r = w.run;
  const [output, outputSeq] = outputColumns(r, refs);
  const keepInput = w.inputUnchanged === true;
  return [
    r.id,
    r.tenant,
    r.workflowId,
    r.version,
    r.status,
    keepInput ? null : toJson(r.input),
    output,
    outputSeq,
    toJson(r.error),
    r.createdAt,
    r.startedAt ?? null,
    r.finishedAt ?? null,
    r.parentRunId ?? null,
    r.parentPath ?? null,
    r.priority,
    r.idempotencyKey === undefined ? null : Buffer.from(r.idempotencyKey, 'utf8'),
    r.seq,
    toJson(r.state),
    keepInput,
  ];
}

function nodeValues(n: NodeRecord, refs: OutputRefs | undefined): unknown[] {
  const outputSeq = refs?.nodes.get(n.path);
  return [
    n.runId,
    n.path,
    n.nodeId,
    n.status,
    n.attempts,
    outputSeq === undefined ? toJson(n.output) : null,
    outputSeq ?? null,
    toJson(n.error),
    n.startedAt ?? null,
    n.finishedAt ?? null,
    toJson(n.state),
  ];
}

function timerValues(t: TimerRecord): unknown[] {
  return [t.id, t.runId, t.dueAt, t.kind, t.path ?? null, toJson(t.data)];
}
