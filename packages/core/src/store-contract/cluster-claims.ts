/**
 * @module store-contract/cluster-claims
 * Leases and claims: which runs a worker gets, once each, in which order, and when a lease lapses.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunClaim, RunClaims } from '../index.js';
import { at, makeRun, makeWrite } from './fixtures.js';
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

const ids = (claims: RunClaim[]): string[] => claims.map((c) => c.runId);

export function claimCases(use: ClusterUse): void {
  let store: ClusterStore;
  let claims: RunClaims;
  beforeEach(() => {
    store = use.store();
    claims = store.cluster.claims;
  });

  describe('leases', () => {
    it('last their ttl, are renewed while live, and cannot be renewed once lapsed', async () => {
      await claims.join('w1', SHORT_MS, INFO);
      expect(await claims.workers()).toEqual([
        { id: 'w1', version: INFO.version, where: INFO.where, expiresAt: expect.any(String) },
      ]);
      expect(await claims.renew('w1', SHORT_MS)).toBe(true);
      await sleep(PAST_SHORT_MS);
      expect(await claims.renew('w1', LONG_MS)).toBe(false);
      expect(await claims.workers()).toEqual([]);
      expect(await claims.renew('never-joined', LONG_MS)).toBe(false);
      // Joining again starts a new lease under the same id.
      await claims.join('w1', LONG_MS, INFO);
      expect((await claims.workers()).map((w) => w.id)).toEqual(['w1']);
    });

    it('end with leave, whose runs other workers claim at once', async () => {
      await claims.join('w1', LONG_MS, INFO);
      await claims.join('w2', LONG_MS, INFO);
      await store.commit([heldWrite(makeRun('r1'), 'w1', 1)]);
      expect(await claims.claim('w2', 10)).toEqual([]);
      await claims.leave('w1');
      expect((await claims.workers()).map((w) => w.id)).toEqual(['w2']);
      expect(await claims.claim('w2', 10)).toEqual([{ runId: 'r1', token: 2 }]);
    });
  });

  describe('claim', () => {
    it('gives each run to one of many claimers at once, under its first token', async () => {
      const runs = Array.from({ length: 50 }, (_, i) =>
        makeWrite(makeRun(`r${String(i).padStart(2, '0')}`, { status: 'queued' })),
      );
      await store.commit(runs);
      const workers = ['w1', 'w2', 'w3'];
      for (const w of workers) await claims.join(w, LONG_MS, INFO);
      const got: RunClaim[] = [];
      const claimer = async (worker: string): Promise<void> => {
        // A claimer may find every run left locked by the others for a moment: it tries again.
        for (let round = 0; round < 200 && got.length < runs.length; round++) {
          got.push(...(await claims.claim(worker, 4)));
        }
      };
      await Promise.all(workers.map(claimer));
      expect(got).toHaveLength(runs.length);
      expect(new Set(ids(got)).size).toBe(runs.length);
      expect(got.every((c) => c.token === 1)).toBe(true);
      expect(await claims.claim('w1', 10)).toEqual([]);
    });

    it('takes higher priority first, then older, and returns them in that order', async () => {
      await store.commit([
        makeWrite(makeRun('a', { status: 'queued', priority: 0, createdAt: at(0) })),
        makeWrite(makeRun('b', { status: 'queued', priority: 5, createdAt: at(2) })),
        makeWrite(makeRun('c', { status: 'queued', priority: 5, createdAt: at(1) })),
        makeWrite(makeRun('d', { status: 'queued', priority: 0, createdAt: at(3) })),
      ]);
      await claims.join('w1', LONG_MS, INFO);
      expect(ids(await claims.claim('w1', 2))).toEqual(['c', 'b']);
      expect(ids(await claims.claim('w1', 1))).toEqual(['a']);
      expect(ids(await claims.claim('w1', 5))).toEqual(['d']);
      expect(await claims.claim('w1', 5)).toEqual([]);
    });

    it('takes queued runs held by no one and runs whose holder’s lease lapsed, only', async () => {
      await claims.join('live', LONG_MS, INFO);
      await claims.join('lapsing', SHORT_MS, INFO);
      await claims.join('claimer', LONG_MS, INFO);
      await store.commit([
        makeWrite(makeRun('queued', { status: 'queued' })),
        heldWrite(makeRun('queued-live', { status: 'queued' }), 'live', 1),
        heldWrite(makeRun('running-live'), 'live', 1),
        heldWrite(makeRun('running-lapsing'), 'lapsing', 1),
        heldWrite(makeRun('waiting-let-go', { status: 'waiting' }), 'live', 1, { release: true }),
        heldWrite(makeRun('queued-let-go', { status: 'queued' }), 'live', 1, { release: true }),
        heldWrite(makeRun('done-lapsing', { status: 'succeeded' }), 'lapsing', 1),
        makeWrite(makeRun('running-no-one')),
      ]);
      expect(ids(await claims.claim('claimer', 10)).sort()).toEqual(['queued', 'queued-let-go']);
      await sleep(PAST_SHORT_MS);
      expect(await claims.claim('claimer', 10)).toEqual([{ runId: 'running-lapsing', token: 2 }]);
      expect(await claims.claim('claimer', 10)).toEqual([]);
    });

    it('gives nothing to a worker whose own lease lapsed or never began', async () => {
      await store.commit([makeWrite(makeRun('r1', { status: 'queued' }))]);
      await claims.join('w1', SHORT_MS, INFO);
      await sleep(PAST_SHORT_MS);
      expect(await claims.claim('w1', 10)).toEqual([]);
      expect(await claims.claim('stranger', 10)).toEqual([]);
      await claims.join('w2', LONG_MS, INFO);
      expect(ids(await claims.claim('w2', 10))).toEqual(['r1']);
    });
  });

  describe('acquire', () => {
    it('takes a run held by no one or by a lapsed worker, raising its token; its own, keeping it', async () => {
      await claims.join('w1', SHORT_MS, INFO);
      await claims.join('w2', LONG_MS, INFO);
      await store.commit([makeWrite(makeRun('r1', { status: 'waiting' }))]);
      expect(await claims.acquire('w1', 'r1')).toEqual({ runId: 'r1', token: 1 });
      expect(await claims.acquire('w1', 'r1')).toEqual({ runId: 'r1', token: 1 });
      expect(await claims.acquire('w2', 'r1')).toEqual({ heldBy: 'w1' });
      await sleep(PAST_SHORT_MS);
      expect(await claims.acquire('w2', 'r1')).toEqual({ runId: 'r1', token: 2 });
      expect(await claims.acquire('w2', 'r1')).toEqual({ runId: 'r1', token: 2 });
      // Let go of (a release commit): taken again under a raised token, even by the same worker.
      await store.commit([
        makeWrite(makeRun('r1', { status: 'waiting' }), {
          claim: { worker: 'w2', token: 2, release: true },
        }),
      ]);
      expect(await claims.acquire('w2', 'r1')).toEqual({ runId: 'r1', token: 3 });
      expect(await claims.acquire('w2', 'no-such-run')).toBeUndefined();
    });

    it('takes finished runs too', async () => {
      await claims.join('w1', LONG_MS, INFO);
      await store.commit([makeWrite(makeRun('r1', { status: 'succeeded' }))]);
      expect(await claims.acquire('w1', 'r1')).toEqual({ runId: 'r1', token: 1 });
    });
  });
}
