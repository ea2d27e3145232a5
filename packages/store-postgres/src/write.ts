/**
 * @module write
 * The body of a commit: every row of every {@link RunWrite} in a few multi-row statements (arrays
 * bound once and `unnest`ed), each prepared once per connection. A commit of any number of runs
 * costs one statement per kind of row it writes, not one per row.
 *
 * The run row: when the writer says what the row held before (`previous`), only the columns that
 * differ are sent and assigned (the state JSON is not serialised again); rows not found at
 * `previous.seq` are then written whole, as are new runs.
 */
import type pg from 'pg';
import type { NodeRecord, RunRecord, RunWrite, TimerRecord } from '@weft/core';
import { seqConflict } from './errors.js';
import { batchesOf, INSERT_BATCHES, overlapping, type Batch } from './event-log.js';
import { outputRefs, type OutputRefs } from './output-refs.js';
import { toJson } from './rows.js';

/** Bits of the columns a delta update assigns. */
const STATUS = 1;
const OUTPUT = 2;
const ERROR = 4;
const STARTED = 8;
const FINISHED = 16;
const PRIORITY = 32;
const SEQ = 64;
const STATE = 128;
const INPUT = 256;

const keep = (bit: number, column: string) =>
  `${column} = CASE WHEN w.m & ${bit} = 0 THEN r.${column} ELSE w.${column} END`;

const UPDATE_DELTA = {
  name: 'weft_runs_delta',
  text: `UPDATE runs AS r SET ${[
    keep(STATUS, 'status'),
    keep(OUTPUT, 'output'),
    keep(OUTPUT, 'output_seq'),
    keep(ERROR, 'error'),
    keep(STARTED, 'started_at'),
    keep(FINISHED, 'finished_at'),
    keep(PRIORITY, 'priority'),
    keep(SEQ, 'seq'),
    keep(STATE, 'state'),
    keep(INPUT, 'input'),
  ].join(', ')}
    FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[],
      $8::text[], $9::text[], $10::int[], $11::int[], $12::text[], $13::text[])
      AS w(id, prev_seq, m, status, output, output_seq, error, started_at, finished_at, priority,
        seq, state, input)
    WHERE r.id = w.id AND r.seq = w.prev_seq
    RETURNING r.id`,
};

const RUN_COLUMNS = [
  'id',
  'tenant',
  'workflow_id',
  'version',
  'status',
  'input',
  'output',
  'output_seq',
  'error',
  'created_at',
  'started_at',
  'finished_at',
  'parent_run_id',
  'parent_path',
  'priority',
  'idempotency_key',
  'seq',
  'state',
];

/** The whole-row upsert; with `keepInput` the stored input stays, unread and unwritten. */
const upsertWhole = (keepInput: boolean) => {
  const columns = keepInput ? RUN_COLUMNS.filter((c) => c !== 'input') : RUN_COLUMNS;
  const types = columns.map((c, i) => `$${i + 1}::${INT_COLUMNS.has(c) ? 'int' : 'text'}[]`);
  return {
    name: keepInput ? 'weft_runs_whole_keep_input' : 'weft_runs_whole',
    text: `INSERT INTO runs (${columns.join(', ')})
      SELECT * FROM unnest(${types.join(', ')})
      ON CONFLICT (id) DO UPDATE SET ${columns
        .slice(1)
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}`,
  };
};

const INT_COLUMNS = new Set(['version', 'output_seq', 'priority', 'seq']);
const UPSERT_WHOLE = upsertWhole(false);
const UPSERT_WHOLE_KEEP_INPUT = upsertWhole(true);

const INSERT_OUTPUTS = {
  name: 'weft_insert_outputs',
  text: `INSERT INTO run_outputs (run_id, seq, output)
    SELECT * FROM unnest($1::text[], $2::int[], $3::text[])`,
};

const DELETE_NODES = {
  name: 'weft_delete_nodes',
  text: `DELETE FROM run_nodes n USING unnest($1::text[], $2::text[]) AS d(run_id, path)
    WHERE n.run_id = d.run_id AND n.path = d.path`,
};

const NODE_COLUMNS = `run_id, path, node_id, status, attempts, output, output_seq, error, started_at,
  finished_at, state`;

const UPSERT_NODES = {
  name: 'weft_upsert_nodes',
  text: `INSERT INTO run_nodes (${NODE_COLUMNS})
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
      $7::int[], $8::text[], $9::text[], $10::text[], $11::text[])
    ON CONFLICT (run_id, path) DO UPDATE SET node_id = excluded.node_id,
      status = excluded.status, attempts = excluded.attempts, output = excluded.output,
      output_seq = excluded.output_seq, error = excluded.error, started_at = excluded.started_at,
      finished_at = excluded.finished_at, state = excluded.state`,
};

const DELETE_TIMERS = {
  name: 'weft_delete_timers',
  text: 'DELETE FROM timers WHERE id = ANY($1::text[])',
};

const INSERT_TIMERS = {
  name: 'weft_insert_timers',
  text: `INSERT INTO timers (id, run_id, due_at, kind, path, data)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])`,
};

/**
 * Writes the runs in order, inside the caller's transaction. Writes are taken in groups of
 * distinct runs (a run written twice in one commit starts a new group), and within a group rows
 * are removed before they are written, so one commit can reset a node and write it afresh, or
 * move a timer under the same id.
 * @throws WeftError `store_conflict` when an event seq is already stored or repeated.
 */
export async function writeRuns(client: pg.ClientBase, writes: readonly RunWrite[]): Promise<void> {
  for (const group of distinctRunGroups(writes)) await writeGroup(client, group);
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

/** Parallel arrays, one per column, bound as the parameters of one `unnest`. */
class Columns {
  readonly cols: unknown[][];
  constructor(n: number) {
    this.cols = Array.from({ length: n }, () => []);
  }
  add(...values: unknown[]): void {
    values.forEach((v, i) => (this.cols[i] as unknown[]).push(v));
  }
  get size(): number {
    return (this.cols[0] as unknown[]).length;
  }
}

async function writeGroup(client: pg.ClientBase, writes: readonly RunWrite[]): Promise<void> {
  // Everything is serialised before the first statement.
  const refsOf = new Map<RunWrite, OutputRefs | undefined>();
  const deltas = new Columns(13);
  const deltaIds = new Set<string>();
  const whole = new Map<string, { w: RunWrite; refs: OutputRefs | undefined }>();
  const outputs = new Columns(3);
  const removedNodes = new Columns(2);
  const nodes = new Columns(11);
  const batches: Batch[] = [];
  const removedTimers: string[] = [];
  const timers = new Columns(6);
  for (const w of writes) {
    const refs = w.events.length > 0 ? outputRefs(w) : undefined;
    refsOf.set(w, refs);
    const delta = w.previous === undefined ? undefined : deltaOf(w, w.previous, refs);
    if (delta === undefined) whole.set(w.run.id, { w, refs });
    else if (delta !== 'none') {
      deltas.add(...delta);
      deltaIds.add(w.run.id);
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

  if (deltas.size > 0) {
    const done = await client.query<{ id: string }>({ ...UPDATE_DELTA, values: deltas.cols });
    const updated = new Set(done.rows.map((r) => r.id));
    // Not at previous.seq (or gone): written whole, as without previous.
    for (const w of writes) {
      if (deltaIds.has(w.run.id) && !updated.has(w.run.id)) {
        whole.set(w.run.id, { w, refs: refsOf.get(w) });
      }
    }
  }
  if (whole.size > 0) {
    const written = new Columns(RUN_COLUMNS.length);
    const kept = new Columns(RUN_COLUMNS.length - 1);
    for (const { w, refs } of whole.values()) {
      if (w.inputUnchanged === true) kept.add(...wholeValues(w, refs, false));
      else written.add(...wholeValues(w, refs, true));
    }
    if (written.size > 0) await client.query({ ...UPSERT_WHOLE, values: written.cols });
    if (kept.size > 0) await client.query({ ...UPSERT_WHOLE_KEEP_INPUT, values: kept.cols });
  }
  if (outputs.size > 0) await client.query({ ...INSERT_OUTPUTS, values: outputs.cols });
  if (removedNodes.size > 0) await client.query({ ...DELETE_NODES, values: removedNodes.cols });
  if (nodes.size > 0) await client.query({ ...UPSERT_NODES, values: nodes.cols });
  if (batches.length > 0) {
    const inserted = await client.query({
      ...INSERT_BATCHES,
      values: [
        batches.map((b) => b.runId),
        batches.map((b) => b.first),
        batches.map((b) => b.last),
        batches.map((b) => b.events),
      ],
    });
    if (inserted.rowCount !== batches.length) {
      throw seqConflict([...new Set(batches.map((b) => b.runId))]);
    }
  }
  if (removedTimers.length > 0) await client.query({ ...DELETE_TIMERS, values: [removedTimers] });
  if (timers.size > 0) await client.query({ ...INSERT_TIMERS, values: timers.cols });
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

/** In {@link RUN_COLUMNS} order; the input only when `withInput`. */
function wholeValues(w: RunWrite, refs: OutputRefs | undefined, withInput: boolean): unknown[] {
  const r = w.run;
  const [output, outputSeq] = outputColumns(r, refs);
  return [
    r.id,
    r.tenant,
    r.workflowId,
    r.version,
    r.status,
    ...(withInput ? [toJson(r.input)] : []),
    output,
    outputSeq,
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
