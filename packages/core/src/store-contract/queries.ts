/**
 * @module store-contract/queries
 * Listing runs (order, filters, cursors, page sizes) and scanning them by status.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord, RunWrite, Store } from '../index.js';
import { at, makeRun, makeWrite } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function queryCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  describe('listRuns', () => {
    /** Runs r00..r(n-1), created one second apart unless `createdAt` says otherwise. */
    const seed = async (n: number, fields: (i: number) => Partial<RunRecord> = () => ({})) => {
      const writes: RunWrite[] = [];
      for (let i = 0; i < n; i++) {
        writes.push(
          makeWrite(makeRun(`r${String(i).padStart(4, '0')}`, { createdAt: at(i), ...fields(i) })),
        );
      }
      await store.commit(writes);
    };
    const ids = (runs: RunRecord[]) => runs.map((r) => r.id);

    it('lists newest first by creation time, then by id', async () => {
      await store.commit([
        makeWrite(makeRun('b', { createdAt: at(5) })),
        makeWrite(makeRun('a', { createdAt: at(5) })),
        makeWrite(makeRun('c', { createdAt: at(1) })),
        makeWrite(makeRun('d', { createdAt: at(9) })),
      ]);
      const { runs, cursor } = await store.listRuns({});
      expect(ids(runs)).toEqual(['d', 'b', 'a', 'c']);
      expect(cursor).toBeUndefined();
      expect(runs[0]).toStrictEqual(makeRun('d', { createdAt: at(9) }));
    });

    it('filters by tenant, workflow and status, alone and together', async () => {
      await seed(8, (i) => ({
        tenant: i % 2 === 0 ? 't1' : 't2',
        workflowId: i < 4 ? 'wa' : 'wb',
        status: i % 4 === 0 ? 'failed' : 'succeeded',
      }));
      const list = async (q: Parameters<Store['listRuns']>[0]) =>
        ids((await store.listRuns(q)).runs);
      expect(await list({ tenant: 't1' })).toEqual(['r0006', 'r0004', 'r0002', 'r0000']);
      expect(await list({ workflowId: 'wa' })).toEqual(['r0003', 'r0002', 'r0001', 'r0000']);
      expect(await list({ status: 'failed' })).toEqual(['r0004', 'r0000']);
      expect(await list({ tenant: 't1', workflowId: 'wb' })).toEqual(['r0006', 'r0004']);
      expect(await list({ tenant: 't1', workflowId: 'wb', status: 'succeeded' })).toEqual([
        'r0006',
      ]);
      expect(await list({ tenant: 't2', status: 'failed' })).toEqual([]);
      expect(await list({ tenant: 't3' })).toEqual([]);
    });

    it('pages with a cursor through every run exactly once; the last page has no cursor', async () => {
      await seed(7);
      const seen: string[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listRuns(
          cursor === undefined ? { limit: 3 } : { limit: 3, cursor },
        );
        seen.push(...ids(page.runs));
        pages.push(page.runs.length);
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(pages).toEqual([3, 3, 1]);
      expect(seen).toEqual(['r0006', 'r0005', 'r0004', 'r0003', 'r0002', 'r0001', 'r0000']);
    });

    it('gives no cursor when the last page is exactly full', async () => {
      await seed(6);
      const first = await store.listRuns({ limit: 3 });
      expect(typeof first.cursor).toBe('string');
      const second = await store.listRuns({ limit: 3, cursor: first.cursor ?? '' });
      expect(ids(second.runs)).toEqual(['r0002', 'r0001', 'r0000']);
      expect(second.cursor).toBeUndefined();
    });

    it('keeps filters across pages and is not shifted by runs created while paging', async () => {
      await seed(6, (i) => ({ status: i % 2 === 0 ? 'failed' : 'running' }));
      const first = await store.listRuns({ status: 'failed', limit: 2 });
      expect(ids(first.runs)).toEqual(['r0004', 'r0002']);
      await store.commit([makeWrite(makeRun('new', { status: 'failed', createdAt: at(100) }))]);
      const second = await store.listRuns({
        status: 'failed',
        limit: 2,
        cursor: first.cursor ?? '',
      });
      expect(ids(second.runs)).toEqual(['r0000']);
      expect(second.cursor).toBeUndefined();
    });

    it('pages 50 runs by default and at most 1000', async () => {
      await seed(1005);
      const first = await store.listRuns({});
      expect(ids(first.runs)[0]).toBe('r1004');
      expect(first.runs).toHaveLength(50);
      const capped = await store.listRuns({ limit: 5000 });
      expect(capped.runs).toHaveLength(1000);
      const rest = await store.listRuns({ limit: 5000, cursor: capped.cursor ?? '' });
      expect(ids(rest.runs)).toEqual(['r0004', 'r0003', 'r0002', 'r0001', 'r0000']);
    });

    it('rejects a cursor it did not make', async () => {
      await seed(2);
      await expect(store.listRuns({ cursor: 'not a cursor' })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
      const forged = Buffer.from(JSON.stringify({ x: 1 })).toString('base64url');
      await expect(store.listRuns({ cursor: forged })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
    });
  });

  describe('runIdsByStatus', () => {
    it('lists ids of runs in any of the statuses, oldest first, up to the limit', async () => {
      await store.commit([
        makeWrite(makeRun('r1', { status: 'running', createdAt: at(3) })),
        makeWrite(makeRun('r2', { status: 'waiting', createdAt: at(1) })),
        makeWrite(makeRun('r3', { status: 'succeeded', createdAt: at(0) })),
        makeWrite(makeRun('r4', { status: 'running', createdAt: at(2) })),
        makeWrite(makeRun('r5', { status: 'queued', createdAt: at(4) })),
      ]);
      expect(await store.runIdsByStatus(['running', 'waiting'])).toEqual(['r2', 'r4', 'r1']);
      expect(await store.runIdsByStatus(['running', 'waiting'], 2)).toEqual(['r2', 'r4']);
      expect(await store.runIdsByStatus(['queued'])).toEqual(['r5']);
      expect(await store.runIdsByStatus(['paused'])).toEqual([]);
      expect(await store.runIdsByStatus([])).toEqual([]);
    });

    it('follows status changes', async () => {
      await store.commit([makeWrite(makeRun('r1', { status: 'running' }))]);
      await store.commit([makeWrite(makeRun('r1', { status: 'succeeded' }))]);
      expect(await store.runIdsByStatus(['running'])).toEqual([]);
      expect(await store.runIdsByStatus(['succeeded'])).toEqual(['r1']);
    });
  });
}
