/**
 * @module store-contract/retention
 * Deleting finished runs, one or by a prune query: everything of the run goes, unfinished runs
 * never do, and other runs are untouched.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord, RunStatus, Store } from '../index.js';
import { at, definition, events, makeNode, makeRun, makeWrite } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function retentionCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  /** A run that finished `finished` seconds after the fixtures' epoch (created a second before). */
  const done = (id: string, finished: number, fields: Partial<RunRecord> = {}): RunRecord =>
    makeRun(id, {
      status: 'succeeded',
      createdAt: at(finished - 1),
      finishedAt: at(finished),
      ...fields,
    });

  /** Commits a run with a node, two events and a timer, as the engine leaves a finished one. */
  const seed = async (run: RunRecord) => {
    await store.commit([
      makeWrite(
        { ...run, seq: 2 },
        {
          nodes: [makeNode(run.id, 'a', { status: 'succeeded' })],
          events: events(1, 2),
          addTimers: [{ id: `timer-${run.id}`, runId: run.id, dueAt: 1000, kind: 'wait' }],
        },
      ),
    ]);
  };

  const remaining = async () =>
    (await store.listRuns({ limit: 1000 })).runs.map((r) => r.id).sort();

  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'resolved';
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };

  describe('deleteRun', () => {
    it('deletes a finished run with its input, nodes, events, timers and deliveries', async () => {
      await seed(done('r1', 10, { idempotencyKey: 'k' }));
      await seed(done('r2', 10));
      await store.recordDelivery({
        tenant: 't1',
        path: 'in',
        deliveryId: 'd1',
        runId: 'r1',
        createdAt: at(9),
      });
      expect(await store.deleteRun('t1', 'r1')).toBe(true);
      expect(await store.getRun('r1')).toBeUndefined();
      expect(await store.loadRun('r1')).toBeUndefined();
      expect(await store.readEvents('r1', 0)).toEqual([]);
      expect((await store.dueTimers(10_000, 10)).map((t) => t.id)).toEqual(['timer-r2']);
      expect(await store.findDelivery('t1', 'in', 'd1')).toBeUndefined();
      expect(await store.findRunByIdempotencyKey('t1', 'wf', 'k')).toBeUndefined();
      expect(await remaining()).toEqual(['r2']);
      expect(await store.readEvents('r2', 0)).toHaveLength(2);
      // The key is free again.
      await store.commit([makeWrite(makeRun('r3', { idempotencyKey: 'k' }))]);
    });

    it('answers false for an unknown run and for another tenant’s, which it keeps', async () => {
      await seed(done('r1', 10));
      expect(await store.deleteRun('t1', 'nope')).toBe(false);
      expect(await store.deleteRun('t2', 'r1')).toBe(false);
      expect(await remaining()).toEqual(['r1']);
    });

    it('refuses a run that is not finished, and keeps it whole', async () => {
      for (const status of ['queued', 'running', 'waiting', 'paused'] as RunStatus[]) {
        await seed(makeRun(`r-${status}`, { status }));
        expect(await codeOf(store.deleteRun('t1', `r-${status}`))).toBe('invalid_state');
        expect((await store.loadRun(`r-${status}`))?.nodes).toHaveLength(1);
        expect(await store.readEvents(`r-${status}`, 0)).toHaveLength(2);
      }
    });

    it('deletes child runs with their parent, and refuses while one is not finished', async () => {
      await seed(done('parent', 10));
      await seed(done('child', 9, { parentRunId: 'parent', parentPath: 'sub' }));
      await seed(makeRun('grandchild', { status: 'waiting', parentRunId: 'child' }));
      await seed(done('other', 10));
      expect(await codeOf(store.deleteRun('t1', 'parent'))).toBe('invalid_state');
      expect(await remaining()).toEqual(['child', 'grandchild', 'other', 'parent']);
      await store.commit([makeWrite(done('grandchild', 9, { parentRunId: 'child' }))]);
      expect(await store.deleteRun('t1', 'parent')).toBe(true);
      expect(await remaining()).toEqual(['other']);
      expect(await store.readEvents('grandchild', 0)).toEqual([]);
    });
  });

  describe('pruneRuns', () => {
    it('deletes runs finished before the bound, never unfinished ones however old', async () => {
      await seed(done('old', 10));
      await seed(done('old-failed', 11, { status: 'failed' }));
      await seed(done('new', 100));
      await seed(makeRun('waiting', { status: 'waiting', createdAt: at(0) }));
      await seed(makeRun('paused', { status: 'paused', createdAt: at(0) }));
      expect(await store.pruneRuns({ finishedBefore: at(50) })).toBe(2);
      expect(await remaining()).toEqual(['new', 'paused', 'waiting']);
      expect(await store.readEvents('old', 0)).toEqual([]);
      expect(await store.readEvents('waiting', 0)).toHaveLength(2);
      expect(await store.pruneRuns({ finishedBefore: at(1000) })).toBe(1);
      expect(await remaining()).toEqual(['paused', 'waiting']);
    });

    it('filters by tenant, workflow and status', async () => {
      await seed(done('a', 10));
      await seed(done('b', 10, { tenant: 't2' }));
      await seed(done('c', 10, { workflowId: 'other' }));
      await seed(done('d', 10, { status: 'failed' }));
      await seed(done('e', 10, { status: 'cancelled' }));
      const bound = at(50);
      expect(await store.pruneRuns({ finishedBefore: bound, statuses: ['failed'] })).toBe(1);
      expect(await store.pruneRuns({ finishedBefore: bound, tenant: 't2' })).toBe(1);
      expect(await store.pruneRuns({ finishedBefore: bound, workflowId: 'other' })).toBe(1);
      expect(await remaining()).toEqual(['a', 'e']);
    });

    it('keeps the newest finished runs of those the filters select with keepLatest', async () => {
      for (let i = 0; i < 5; i++) await seed(done(`w${i}`, 10 + i));
      for (let i = 0; i < 3; i++) await seed(done(`x${i}`, 10 + i, { workflowId: 'x' }));
      await seed(done('t2', 9, { tenant: 't2' }));
      await seed(done('failed', 30, { status: 'failed' }));
      // Newer than every finished one, and not counted: only finished runs are kept or pruned.
      await seed(makeRun('live', { status: 'running', createdAt: at(99) }));
      const n = await store.pruneRuns({
        tenant: 't1',
        workflowId: 'wf',
        statuses: ['succeeded'],
        keepLatest: 2,
      });
      expect(n).toBe(3);
      expect(await remaining()).toEqual(['failed', 'live', 't2', 'w3', 'w4', 'x0', 'x1', 'x2']);
      expect(await store.pruneRuns({ keepLatest: 2 })).toBe(5);
      expect(await remaining()).toEqual(['failed', 'live', 'w4']);
      expect(await store.pruneRuns({ keepLatest: 0, workflowId: 'wf' })).toBe(2);
      expect(await remaining()).toEqual(['live']);
    });

    it('deletes a run past either bound', async () => {
      // The oldest run finished last: it is past the count, and "b" past the age, only.
      await seed(done('a', 500, { createdAt: at(1) }));
      await seed(done('b', 110));
      await seed(done('c', 210));
      await seed(done('d', 310));
      expect(await store.pruneRuns({ keepLatest: 3, finishedBefore: at(150) })).toBe(2);
      expect(await remaining()).toEqual(['c', 'd']);
    });

    it('spares the runs the caller names, and keeps a run whose child is not finished', async () => {
      await seed(done('spared', 10));
      await seed(done('parent', 10));
      await seed(makeRun('child', { status: 'running', parentRunId: 'parent' }));
      await seed(done('gone', 10));
      const n = await store.pruneRuns({ finishedBefore: at(50), spare: (id) => id === 'spared' });
      expect(n).toBe(1);
      expect(await remaining()).toEqual(['child', 'parent', 'spared']);
    });

    it('counts child runs deleted with their parents, in batches of any size', async () => {
      for (let i = 0; i < 7; i++) {
        await seed(done(`p${i}`, 10));
        await seed(done(`c${i}`, 60, { parentRunId: `p${i}` }));
      }
      await seed(done('kept', 100));
      expect(await store.pruneRuns({ finishedBefore: at(50), batch: 2 })).toBe(14);
      expect(await remaining()).toEqual(['kept']);
    });

    it('refuses a query without a bound', async () => {
      await seed(done('r1', 10));
      expect(await codeOf(store.pruneRuns({ tenant: 't1' }))).toBe('invalid_argument');
      expect(await remaining()).toEqual(['r1']);
    });
  });

  describe('workflowIds and reclaimSpace', () => {
    it('lists every tenant and workflow id, deleted ones too', async () => {
      const save = (tenant: string, id: string) =>
        store.saveWorkflow({ tenant, definition: definition(id), source: '', hash: id });
      await save('t1', 'b');
      await save('t1', 'a');
      await save('t2', 'a');
      await store.deleteWorkflow('t1', 'b');
      const ids = await store.workflowIds();
      expect(
        [...ids].sort((x, y) => `${x.tenant}/${x.id}`.localeCompare(`${y.tenant}/${y.id}`)),
      ).toEqual([
        { tenant: 't1', id: 'a' },
        { tenant: 't1', id: 'b' },
        { tenant: 't2', id: 'a' },
      ]);
    });

    it('reclaims space after a delete and leaves the data readable', async () => {
      await seed(done('r1', 10, { input: { text: 'x'.repeat(100_000) } }));
      await seed(done('r2', 10));
      await store.deleteRun('t1', 'r1');
      expect(await store.reclaimSpace()).toBeGreaterThanOrEqual(0);
      expect(await remaining()).toEqual(['r2']);
      expect(await store.readEvents('r2', 0)).toHaveLength(2);
    });
  });
}
