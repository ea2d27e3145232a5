import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRun, makeWrite, reopenCase, storeContract } from '@weft/core/testing';
import { applyMigrations } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = (): string => join(dir, `db-${++files}.db`);

for (const writer of ['inline', 'thread'] as const) {
  storeContract(`sqlite file, ${writer} writer`, () =>
    openSqliteStore({ path: tempFile(), writer }),
  );
}
storeContract('sqlite :memory:', () => openSqliteStore({ path: ':memory:' }));

describe('openSqliteStore', () => {
  it('uses WAL and FULL sync on a file by default, NORMAL when asked', async () => {
    const full = await openSqliteStore({ path: tempFile() });
    expect(full.pragmas).toEqual({ journal_mode: 'wal', synchronous: 'FULL' });
    await full.close();
    const normal = await openSqliteStore({ path: tempFile(), synchronous: 'NORMAL' });
    expect(normal.pragmas).toEqual({ journal_mode: 'wal', synchronous: 'NORMAL' });
    await normal.close();
  });

  it('reports the journal SQLite keeps for :memory:', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    expect(store.pragmas.journal_mode).toBe('memory');
    await store.close();
  });

  it('creates the parent directories of a new file', async () => {
    const path = join(dir, 'nested', 'deeper', 'weft.db');
    const store = await openSqliteStore({ path });
    await store.migrate();
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
  });

  reopenCase(async () => {
    const path = tempFile();
    return () => openSqliteStore({ path });
  });

  it('enforces that nodes, events and timers belong to a stored run', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    const orphan = { id: 'tm', runId: 'ghost', dueAt: 1, kind: 'wait' };
    await expect(
      store.commit([makeWrite(makeRun('r1'), { addTimers: [orphan] })]),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(await store.getRun('r1')).toBeUndefined();
    await store.close();
  });
});

describe('migrations', () => {
  it('are uniquely named and recorded in order', async () => {
    const names = MIGRATIONS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    const db = new Database(':memory:');
    expect(applyMigrations(db, ':memory:')).toEqual(names);
    expect(applyMigrations(db, ':memory:')).toEqual([]);
    expect(db.prepare('SELECT name FROM schema_migrations ORDER BY rowid').pluck().all()).toEqual(
      names,
    );
    db.close();
  });

  it('refuses a database written by a newer Weft, naming the file and the unknown steps', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    await store.migrate();
    await store.close();
    const raw = new Database(path);
    raw
      .prepare("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future', 'x')")
      .run();
    raw.close();
    const again = await openSqliteStore({ path });
    await expect(again.migrate()).rejects.toMatchObject({
      code: 'store_too_new',
      message: `database ${path} was written by a newer version of Weft (unknown migrations: 9999_future); upgrade Weft to open it`,
    });
    await again.close();
  });

  it('applies nothing when one pending step fails', () => {
    const db = new Database(':memory:');
    const steps = [
      { name: '0001_a', up: ['CREATE TABLE a (x)'] },
      { name: '0002_b', up: ['CREATE TABLE b (x)', 'CREATE TABLE b (x)'] },
    ];
    expect(() => applyMigrations(db, 'test', steps)).toThrow(/already exists/);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual([]);
    db.close();
  });
});
