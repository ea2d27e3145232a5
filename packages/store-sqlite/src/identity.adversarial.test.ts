/**
 * Issue #17 §4: another application's SQLite file given as the database by mistake. Weft must
 * refuse it before writing a byte (no tables of its own beside the application's, no WAL switch),
 * while its own files, marked or made before the mark, keep opening.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WEFT_APPLICATION_ID } from './identity.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'weft-identity-'));

/** An application's database: a table with rows, in rollback-journal mode (one file). */
function foreignDb(path: string, applicationId = 0): void {
  const db = new Database(path);
  db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
  const insert = db.prepare('INSERT INTO customers (name) VALUES (?)');
  for (let i = 0; i < 50; i++) insert.run(`customer ${i}`);
  if (applicationId !== 0) db.pragma(`application_id = ${applicationId}`);
  db.close();
}

describe('a database that is not Weft’s', () => {
  it.each([
    ['with a table and rows', 0],
    ['marked by another application', 0x12345678],
  ])('is refused %s, with its bytes unchanged', async (_name, applicationId) => {
    const d = dir();
    const path = join(d, 'app.db');
    foreignDb(path, applicationId);
    const bytes = readFileSync(path);
    for (const lock of [true, false]) {
      await expect(openSqliteStore({ path, lock })).rejects.toMatchObject({
        code: 'store_not_weft',
        message: expect.stringContaining(`${path} is not a Weft database`),
      });
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
    // Nothing beside it either: no WAL, no shared memory, no journal left.
    expect(readdirSync(d)).toEqual(['app.db']);
    const db = new Database(path, { readonly: true });
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    db.close();
    expect(tables).toEqual(['customers']);
  });

  it('names the tables it found, so the mistake is plain', async () => {
    const path = join(dir(), 'app.db');
    foreignDb(path);
    await expect(openSqliteStore({ path })).rejects.toThrow(/customers/);
  });
});

describe('Weft’s own databases', () => {
  it('marks a new file as Weft’s and opens it again', async () => {
    const path = join(dir(), 'weft.db');
    const store = await openSqliteStore({ path });
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(WEFT_APPLICATION_ID);
    db.close();
    const again = await openSqliteStore({ path });
    await again.migrate();
    await again.close();
  });

  it('opens a Weft file made before the mark, keeps its data, and adds the mark', async () => {
    const path = join(dir(), 'old.db');
    const store = await openSqliteStore({ path });
    await store.migrate();
    await store.setMeta('kept', 'yes');
    await store.close();
    // As an older Weft left it: its tables, no application id.
    const raw = new Database(path);
    raw.pragma('application_id = 0');
    raw.close();

    const reopened = await openSqliteStore({ path });
    await reopened.migrate();
    expect(await reopened.getMeta('kept')).toBe('yes');
    await reopened.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(WEFT_APPLICATION_ID);
    db.close();
  });

  it('opens an empty file (made by touch) as a new database', async () => {
    const path = join(dir(), 'empty.db');
    new Database(path).close();
    expect(existsSync(path)).toBe(true);
    const store = await openSqliteStore({ path });
    await store.migrate();
    await store.close();
  });
});
