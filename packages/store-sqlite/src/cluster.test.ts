import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { clusterContract } from '@weft/core/testing';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

// Every store a case opens on one file stands for another process sharing it.
for (const writer of ['inline', 'thread'] as const) {
  clusterContract(`sqlite shared file, ${writer} writer`, async () => {
    const path = join(dir, `db-${++files}.db`);
    return () => openSqliteStore({ path, writer, shared: true });
  });
}
