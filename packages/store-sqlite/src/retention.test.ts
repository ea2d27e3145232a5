/**
 * Deleted runs give their disk back: the files shrink, and their bytes hold nothing of the deleted
 * runs (read raw, as anyone with the file could). Old files are converted to incremental vacuum.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger, RunRecord, RunWrite } from '@weft/core';
import { applyMigrations } from './migrate.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = (): string => join(dir, `db-${++files}.db`);

const MB = 1024 * 1024;

/** What any reader of the files sees: the database and its WAL, byte for byte. */
function rawBytes(path: string): string {
  let text = '';
  for (const file of [path, `${path}-wal`]) {
    try {
      text += readFileSync(file).toString('latin1');
    } catch {
      // No WAL: nothing there.
    }
  }
  return text;
}

const sizeOf = (path: string) =>
  statSync(path).size +
  (() => {
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0;
    }
  })();

/** A finished run whose input, node output and event all carry `marker`, its input `bytes` long. */
function finishedRun(id: string, marker: string, bytes: number, workflowId = 'wf'): RunWrite {
  const input = { text: `${marker}:${'x'.repeat(bytes)}:${marker}` };
  const run: RunRecord = {
    id,
    tenant: 't1',
    workflowId,
    version: 1,
    status: 'succeeded',
    input,
    output: { echo: marker },
    createdAt: new Date(Date.UTC(2025, 0, 1)).toISOString(),
    finishedAt: new Date(Date.UTC(2025, 0, 2)).toISOString(),
    priority: 0,
    seq: 1,
    state: { note: marker },
  };
  return {
    run,
    nodes: [
      {
        runId: id,
        path: 'a',
        nodeId: 'a',
        status: 'succeeded',
        attempts: 1,
        output: { marker },
        state: {},
      },
    ],
    events: [{ seq: 1, type: 'run.started', at: run.createdAt, data: { input } } as never],
    addTimers: [],
    removeTimers: [],
  };
}

async function openFile(path: string): Promise<SqliteStore> {
  const store = await openSqliteStore({ path });
  await store.migrate();
  return store;
}

describe('reclaiming the space of deleted runs', () => {
  it('shrinks the files, and no byte of a deleted run is left in them', async () => {
    const path = tempFile();
    const store = await openFile(path);
    const deleted = ['GONE-big-1', 'GONE-big-2', 'GONE-small'];
    await store.commit([
      finishedRun('r1', deleted[0] as string, MB),
      finishedRun('r2', deleted[1] as string, MB),
      finishedRun('r3', deleted[2] as string, 10),
      finishedRun('kept', 'KEPT-small', 10, 'other'),
      finishedRun('kept-big', 'KEPT-big', MB, 'other'),
    ]);
    // As after a while of work: the WAL written into the database file.
    await store.reclaimSpace();
    const before = sizeOf(path);
    for (const marker of [...deleted, 'KEPT-small']) expect(rawBytes(path)).toContain(marker);

    expect(await store.deleteRun('t1', 'r1')).toBe(true);
    expect(
      await store.pruneRuns({ workflowId: 'wf', finishedBefore: '2026-01-01T00:00:00Z' }),
    ).toBe(2);
    const freed = await store.reclaimSpace();

    const after = sizeOf(path);
    expect(after).toBeLessThan(before - 1.5 * MB);
    expect(freed).toBeGreaterThan(1.5 * MB);
    const bytes = rawBytes(path);
    for (const marker of deleted) expect(bytes).not.toContain(marker);
    expect(bytes).toContain('KEPT-small');
    expect(bytes).toContain('KEPT-big');
    expect(store.integrityCheck()).toBe('ok');
    expect((await store.getRun('kept-big'))?.input).toMatchObject({ text: expect.any(String) });
    await store.close();
  });

  it('shrinks an in-memory database too', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    await store.commit([finishedRun('r1', 'm', MB)]);
    await store.deleteRun('t1', 'r1');
    expect(await store.reclaimSpace()).toBeGreaterThan(MB / 2);
    await store.close();
  });
});

describe('incremental vacuum on older files', () => {
  /** A Weft file as versions before incremental vacuum made it. */
  function oldFile(): string {
    const path = tempFile();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    applyMigrations(db, path);
    db.close();
    return path;
  }

  const autoVacuum = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return Number(db.pragma('auto_vacuum', { simple: true }));
    } finally {
      db.close();
    }
  };

  const recorder = () => {
    const told: string[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: (_o, msg) => told.push(`info: ${String(msg)}`),
      warn: (_o, msg) => told.push(`warn: ${String(msg)}`),
      error: (_o, msg) => told.push(`error: ${String(msg)}`),
      child: () => log,
    };
    return { told, log };
  };

  it('makes new files vacuum incrementally', async () => {
    const path = tempFile();
    await (await openFile(path)).close();
    expect(autoVacuum(path)).toBe(2);
  });

  it('converts an old file once, when the process holding it migrates, and says so', async () => {
    const path = oldFile();
    expect(autoVacuum(path)).toBe(0);
    const reader = await openSqliteStore({ path, lock: false });
    await reader.migrate();
    await reader.close();
    expect(autoVacuum(path)).toBe(0);

    const { told, log } = recorder();
    const holder = await openSqliteStore({ path, log });
    await holder.migrate();
    await holder.migrate();
    await holder.close();
    expect(autoVacuum(path)).toBe(2);
    expect(told).toEqual([
      expect.stringMatching(/^info: database converted to incremental vacuum/),
    ]);
  });
});
