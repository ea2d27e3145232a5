/**
 * The layout of migration 0004_lean_rows: one event row per run per commit, each output stored
 * once, a run row written with only the columns that changed; and files written before it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeRecord, RunEvent, RunRecord, RunWrite } from '@weft/core';
import { applyMigrations } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-lean-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = (): string => join(dir, `db-${++files}.db`);

const at = (s: number): string => new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString();

const run = (fields: Partial<RunRecord> = {}): RunRecord => ({
  id: 'r1',
  tenant: 't1',
  workflowId: 'wf',
  version: 1,
  status: 'running',
  input: { n: 1 },
  createdAt: at(0),
  priority: 0,
  seq: 0,
  state: { executing: 1 },
  ...fields,
});

const write = (r: RunRecord, parts: Partial<Omit<RunWrite, 'run'>> = {}): RunWrite => ({
  run: r,
  nodes: [],
  events: [],
  addTimers: [],
  removeTimers: [],
  ...parts,
});

const event = (e: {
  seq: number;
  type: string;
  at: string;
  node?: string;
  data?: unknown;
}): RunEvent => e as unknown as RunEvent;

describe('a database written before 0004_lean_rows', () => {
  it('reads its event log back unchanged, and goes on appending to it', async () => {
    const path = tempFile();
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    applyMigrations(
      raw,
      path,
      MIGRATIONS.filter((m) => m.name < '0004'),
    );
    raw
      .prepare(
        `INSERT INTO runs (id, tenant, workflow_id, version, status, created_at, priority, seq, state)
         VALUES ('r1', 't1', 'wf', 1, 'running', ?, 0, 4, '{}')`,
      )
      .run(at(0));
    const old = [
      event({ seq: 1, type: 'run.started', at: at(1), data: { workflow: 'wf', version: 1 } }),
      event({
        seq: 2,
        type: 'node.succeeded',
        at: at(2),
        node: 'each[0].a',
        data: { output: { s: 'naïve 🧵 "q"\n\\ a\u0000b', n: [1.5, -0.25, 1e-7] }, attempts: 1 },
      }),
      event({ seq: 3, type: 'message', at: at(3), node: 'm', data: null }),
      event({ seq: 4, type: 'run.waiting', at: at(4) }),
    ];
    // The old layout's own statement: one row per event, data as JSON text.
    const insert = raw.prepare(
      'INSERT INTO run_events (run_id, seq, type, at, node, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const e of old) {
      insert.run(
        'r1',
        e.seq,
        e.type,
        e.at,
        e.node ?? null,
        e.data === undefined ? null : JSON.stringify(e.data),
      );
    }
    raw.close();

    const store = await openSqliteStore({ path });
    await store.migrate();
    expect(await store.readEvents('r1', 0)).toStrictEqual(old);
    expect(await store.readEvents('r1', 1, 2)).toStrictEqual(old.slice(1, 3));
    const next = event({ seq: 5, type: 'run.resumed', at: at(5) });
    await store.commit([write(run({ seq: 5 }), { events: [next] })]);
    expect(await store.readEvents('r1', 3)).toStrictEqual([old[3], next]);
    await store.close();
  });
});

describe('the lean layout', () => {
  it("stores a commit's events of one run as one row, and an output once", async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    await store.migrate();
    const output = { text: 'x'.repeat(10_000) };
    const node: NodeRecord = {
      runId: 'r1',
      path: 'a',
      nodeId: 'a',
      status: 'succeeded',
      attempts: 1,
      output,
      state: {},
    };
    const events = [
      event({ seq: 1, type: 'run.started', at: at(1), data: { workflow: 'wf', version: 1 } }),
      event({
        seq: 2,
        type: 'node.succeeded',
        at: at(1),
        node: 'a',
        data: { output, attempts: 1 },
      }),
      event({ seq: 3, type: 'run.succeeded', at: at(1), data: { output } }),
    ];
    const done = run({ status: 'succeeded', seq: 3, output });
    await store.commit([write(done, { nodes: [node], events })]);
    expect(await store.readEvents('r1', 0)).toStrictEqual(events);
    await store.close();

    const raw = new Database(path, { readonly: true });
    const count = (sql: string): unknown => raw.prepare(sql).pluck().get();
    expect(count('SELECT count(*) FROM run_event_batches')).toBe(1);
    expect(count("SELECT count(*) FROM run_event_batches WHERE instr(events, 'xxx') > 0")).toBe(0);
    expect(count('SELECT length(events) FROM run_event_batches')).toBeLessThan(300);
    // The run's output is the node's: the run row names the node's event instead.
    expect(count("SELECT count(*) FROM runs WHERE instr(output, 'xxx') > 0")).toBe(0);
    expect(count("SELECT count(*) FROM run_nodes WHERE instr(output, 'xxx') > 0")).toBe(1);
    expect(count('SELECT output FROM run_outputs')).toBe(JSON.stringify(output));
    // The old table's columns, one row per event, for SQL readers.
    const rows = raw.prepare('SELECT seq, type, at, node, data FROM run_events ORDER BY seq').all();
    expect(rows).toEqual([
      { seq: 1, type: 'run.started', at: at(1), node: null, data: '{"workflow":"wf","version":1}' },
      {
        seq: 2,
        type: 'node.succeeded',
        at: at(1),
        node: 'a',
        data: JSON.stringify({ attempts: 1, output }),
      },
      { seq: 3, type: 'run.succeeded', at: at(1), node: null, data: JSON.stringify({ output }) },
    ]);
    raw.close();
  });

  it('writes only the columns of the run row that changed since previous', async () => {
    const path = tempFile();
    let store = await openSqliteStore({ path });
    await store.migrate();
    await store.close();
    const raw = new Database(path);
    raw.exec('CREATE TABLE assigned (col TEXT)');
    for (const col of ['status', 'output', 'state', 'tenant', 'started_at']) {
      raw.exec(`CREATE TRIGGER probe_${col} AFTER UPDATE OF ${col} ON runs
        BEGIN INSERT INTO assigned VALUES ('${col}'); END`);
    }
    const assigned = (): string[] => {
      const cols = raw.prepare('SELECT col FROM assigned').pluck().all() as string[];
      raw.exec('DELETE FROM assigned');
      return cols;
    };

    store = await openSqliteStore({ path, lock: false });
    const first = run({ startedAt: at(1) });
    await store.commit([write(first)]);
    assigned();
    const step = { ...first, seq: 2 };
    await store.commit([write(step, { previous: first })]);
    expect(assigned()).toEqual([]);
    const paused = { ...step, seq: 3, status: 'paused' as const };
    await store.commit([write(paused, { previous: step })]);
    expect(assigned()).toEqual(['status']);
    const moved = { ...paused, seq: 4, state: { executing: 0 } };
    await store.commit([write(moved, { previous: paused })]);
    expect(assigned()).toEqual(['state']);
    expect(await store.getRun('r1')).toStrictEqual(moved);
    // Without previous, the whole row: every changing column.
    await store.commit([write({ ...moved, seq: 5 })]);
    expect(assigned().sort()).toEqual(['output', 'started_at', 'state', 'status']);
    await store.close();
    raw.close();
  });
});
