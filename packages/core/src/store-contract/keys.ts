/**
 * @module store-contract/keys
 * Concurrency keys: which runs of a key hold a place, which wait and in what order, per tenant;
 * a key goes with its run when the run is deleted.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunStatus, Store } from '../index.js';
import { at, makeRun, makeWrite } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function keyCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const put = async (
    id: string,
    status: RunStatus,
    fields: { tenant?: string; priority?: number; t?: number } = {},
  ) => {
    await store.commit([
      makeWrite(
        makeRun(id, {
          status,
          tenant: fields.tenant ?? 't1',
          priority: fields.priority ?? 0,
          createdAt: at(fields.t ?? 0),
        }),
      ),
    ]);
    await store.keyRun(id, 'wf/k', 1);
  };

  describe('concurrency keys', () => {
    it('counts the started runs of a key that have not finished, per tenant', async () => {
      await put('q', 'queued');
      await put('r', 'running');
      await put('w', 'waiting');
      await put('p', 'paused');
      await put('s', 'succeeded');
      await put('f', 'failed');
      await put('other', 'running', { tenant: 't2' });
      expect(await store.keyedHolding('t1', 'wf/k')).toBe(3);
      expect(await store.keyedHolding('t2', 'wf/k')).toBe(1);
      expect(await store.keyedHolding('t1', 'wf/other')).toBe(0);
    });

    it('lists the waiting runs of a key by priority, then age, up to the limit', async () => {
      await put('late', 'queued', { t: 3 });
      await put('early', 'queued', { t: 1 });
      await put('urgent', 'queued', { t: 5, priority: 2 });
      await put('started', 'running', { t: 0 });
      await put('elsewhere', 'queued', { tenant: 't2' });
      expect(await store.keyedWaiting('t1', 'wf/k', 10)).toEqual(['urgent', 'early', 'late']);
      expect(await store.keyedWaiting('t1', 'wf/k', 2)).toEqual(['urgent', 'early']);
      expect(await store.keyedWaiting('t1', 'wf/none', 10)).toEqual([]);
    });

    it('records a key again in place, and forgets it with its run', async () => {
      await put('a', 'running');
      await store.keyRun('a', 'wf/j', 2);
      expect(await store.keyedHolding('t1', 'wf/k')).toBe(0);
      expect(await store.keyedHolding('t1', 'wf/j')).toBe(1);
      await store.commit([makeWrite(makeRun('a', { status: 'succeeded', seq: 0 }))]);
      expect(await store.deleteRun('t1', 'a')).toBe(true);
      await put('b', 'running');
      await store.keyRun('b', 'wf/j', 2);
      expect(await store.keyedHolding('t1', 'wf/j')).toBe(1);
    });
  });
}
