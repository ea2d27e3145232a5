import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterContract, makeRun, makeWrite } from '@weft/core/testing';
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

describe('a file shared after a process held it alone', () => {
  it('hands the runs that process left in flight to the workers, and only those', async () => {
    const path = join(dir, `db-${++files}.db`);
    const alone = await openSqliteStore({ path });
    await alone.migrate();
    await alone.commit([
      makeWrite(makeRun('running')),
      makeWrite(makeRun('paused', { status: 'paused' })),
      makeWrite(makeRun('waiting', { status: 'waiting' })),
      makeWrite(makeRun('done', { status: 'succeeded' })),
    ]);
    await alone.close();
    const shared = await openSqliteStore({ path, shared: true });
    await shared.migrate();
    const claims = shared.cluster!.claims;
    await claims.join('w1', 60_000, { version: 'x', where: 'test:1' });
    const taken = await claims.claim('w1', 10);
    expect(taken.map((c) => c.runId).sort()).toEqual(['paused', 'running']);
    await shared.close();
  });
});
