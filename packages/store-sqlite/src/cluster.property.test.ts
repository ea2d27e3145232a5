/**
 * The cluster ports' fencing property (`@weft/core/testing`) on a shared SQLite file, whose
 * commits the writer thread makes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fencingPropertyCase } from '@weft/core/testing';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-cluster-property-'));
let store: SqliteStore & { cluster: NonNullable<SqliteStore['cluster']> };
beforeAll(async () => {
  const opened = await openSqliteStore({
    path: join(dir, 'weft.db'),
    shared: true,
    writer: 'thread',
  });
  await opened.migrate();
  if (opened.cluster === undefined) throw new Error('a shared store has cluster ports');
  store = opened as typeof store;
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

fencingPropertyCase(() => store);
