/**
 * @module store-contract/cluster-fencing
 * Commits of held runs: a writer whose token moved on changes nothing, and a commit sets or lets
 * go of the run's holder.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunClaims } from '../index.js';
import { events, makeNode, makeRun, makeWrite } from './fixtures.js';
import {
  INFO,
  LONG_MS,
  PAST_SHORT_MS,
  SHORT_MS,
  heldWrite,
  sleep,
  type ClusterStore,
  type ClusterUse,
} from './cluster-fixtures.js';

export function fencingCases(use: ClusterUse): void {
  let store: ClusterStore;
  let claims: RunClaims;
  beforeEach(() => {
    store = use.store();
    claims = store.cluster.claims;
  });

  describe('fencing', () => {
    for (const form of ['whole', 'from previous'] as const) {
      it(`refuses a commit (${form}) under a token taken over, writing none of it`, async () => {
        const first = makeRun('r1', { seq: 1 });
        await claims.join('old', SHORT_MS, INFO);
        await claims.join('new', LONG_MS, INFO);
        await store.commit([heldWrite(first, 'old', 1, { events: events(1, 1) })]);
        await sleep(PAST_SHORT_MS);
        expect(await claims.claim('new', 10)).toEqual([{ runId: 'r1', token: 2 }]);
        const before = await store.loadRun('r1');

        const late = heldWrite(makeRun('r1', { seq: 2, status: 'succeeded' }), 'old', 1, {
          events: events(2, 2),
          nodes: [makeNode('r1', 'a')],
          addTimers: [{ id: 't1', runId: 'r1', dueAt: 1, kind: 'wait' }],
          ...(form === 'from previous' ? { previous: first } : {}),
        });
        // A run the stale writer starts in the same commit is refused with it.
        const started = heldWrite(makeRun('r2'), 'old', 1, { events: events(1, 1) });
        await expect(store.commit([started, late])).rejects.toMatchObject({
          code: 'claim_lost',
          message: expect.stringMatching(/\br1\b/),
        });
        expect(await store.loadRun('r1')).toStrictEqual(before);
        expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 1));
        expect(await store.nextTimerDue()).toBeUndefined();
        expect(await store.getRun('r2')).toBeUndefined();

        // The new holder's commit goes through.
        await store.commit([
          heldWrite(makeRun('r1', { seq: 2 }), 'new', 2, { events: events(2, 2) }),
        ]);
        expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 2));
      });
    }

    it('stores a new run held by its writer, under the writer’s token', async () => {
      await claims.join('w1', LONG_MS, INFO);
      await claims.join('w2', LONG_MS, INFO);
      await store.commit([heldWrite(makeRun('r1', { status: 'queued' }), 'w1', 1)]);
      expect(await claims.claim('w2', 10)).toEqual([]);
      expect(await claims.acquire('w2', 'r1')).toEqual({ heldBy: 'w1' });
      expect(await claims.acquire('w1', 'r1')).toEqual({ runId: 'r1', token: 1 });
    });

    it('lets go of the run with release, even when nothing else of it changes', async () => {
      await claims.join('w1', LONG_MS, INFO);
      await claims.join('w2', LONG_MS, INFO);
      const run = makeRun('r1', { status: 'queued', seq: 1 });
      await store.commit([heldWrite(run, 'w1', 1, { events: events(1, 1) })]);
      expect(await claims.claim('w2', 10)).toEqual([]);
      await store.commit([heldWrite(run, 'w1', 1, { previous: run, release: true })]);
      expect(await claims.claim('w2', 10)).toEqual([{ runId: 'r1', token: 2 }]);
      // Taken again by its writer alone, with nothing else changed.
      await store.commit([heldWrite(run, 'w2', 2, { previous: run })]);
      expect(await claims.acquire('w1', 'r1')).toEqual({ heldBy: 'w2' });
    });

    it('keeps the holder of a run written without a claim', async () => {
      await claims.join('w1', LONG_MS, INFO);
      await claims.join('w2', LONG_MS, INFO);
      const run = makeRun('r1', { seq: 1 });
      await store.commit([heldWrite(run, 'w1', 1, { events: events(1, 1) })]);
      await store.commit([makeWrite(makeRun('r1', { seq: 2 }), { events: events(2, 2) })]);
      const next = makeRun('r1', { seq: 3 });
      const prev = makeRun('r1', { seq: 2 });
      await store.commit([makeWrite(next, { events: events(3, 3), previous: prev })]);
      expect(await claims.acquire('w2', 'r1')).toEqual({ heldBy: 'w1' });
      await store.commit([heldWrite(makeRun('r1', { seq: 4 }), 'w1', 1, { events: events(4, 4) })]);
    });
  });
}
