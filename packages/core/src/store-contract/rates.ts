/**
 * @module store-contract/rates
 * Rate buckets: at most `limit` takes in any window of `perMs`, answered with the wait until the
 * next one may be taken; a take with a hold counts from its start until it is released (or its
 * hold runs out), and `perMs` after; buckets apart per tenant and name; takes racing on one bucket
 * never get more than `limit` between them. Waits are real and short: the window is on the
 * store's clock, which a test cannot move.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RateAnswer, RateTake, Store } from '../index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitOf = (a: RateAnswer): number => {
  if (a.ok) throw new Error('expected the take to be refused');
  return a.waitMs;
};

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function rateCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });
  const take = (fields: Partial<RateTake> = {}) =>
    store.takeRateToken({ tenant: 't1', bucket: 'type:http', limit: 3, perMs: 60_000, ...fields });

  describe('rate buckets', () => {
    it('gives `limit` tokens in a window, then the wait until the oldest leaves it', async () => {
      for (let i = 0; i < 3; i++) expect(await take()).toEqual({ ok: true });
      const wait = waitOf(await take());
      expect(wait).toBeGreaterThan(55_000);
      expect(wait).toBeLessThanOrEqual(60_000);
      // A refusal takes nothing: the next one waits as long, less the time gone by.
      expect(waitOf(await take())).toBeLessThanOrEqual(wait);
    });

    it('slides: a token comes back when its take leaves the window, one at a time', async () => {
      const rate = { limit: 2, perMs: 400 };
      expect(await take(rate)).toEqual({ ok: true });
      await sleep(150);
      expect(await take(rate)).toEqual({ ok: true });
      const first = waitOf(await take(rate));
      expect(first).toBeLessThanOrEqual(250);
      await sleep(first + 5);
      expect(await take(rate)).toEqual({ ok: true });
      // The second take is still in the window with the third: the fourth waits for it.
      const second = waitOf(await take(rate));
      expect(second).toBeGreaterThan(50);
      expect(second).toBeLessThanOrEqual(400);
      await sleep(second + 5);
      expect(await take(rate)).toEqual({ ok: true });
    });

    it('keeps buckets apart by tenant and by name', async () => {
      const one = { limit: 1 };
      expect(await take(one)).toEqual({ ok: true });
      expect((await take(one)).ok).toBe(false);
      expect(await take({ ...one, tenant: 't2' })).toEqual({ ok: true });
      expect(await take({ ...one, bucket: 'credential:github' })).toEqual({ ok: true });
      expect((await take({ ...one, bucket: 'credential:github' })).ok).toBe(false);
    });

    it('gives no more than `limit` tokens to takes racing on one bucket', async () => {
      const answers = await Promise.all(
        Array.from({ length: 24 }, () => take({ bucket: 'start', limit: 5 })),
      );
      expect(answers.filter((a) => a.ok)).toHaveLength(5);
      expect(await take({ bucket: 'start', limit: 6 })).toEqual({ ok: true });
      expect((await take({ bucket: 'start', limit: 6 })).ok).toBe(false);
    });

    it('judges each take by its own rate when callers of a bucket differ', async () => {
      for (let i = 0; i < 3; i++) expect((await take({ limit: 5 })).ok).toBe(true);
      expect((await take({ limit: 2 })).ok).toBe(false);
      expect((await take({ limit: 4 })).ok).toBe(true);
      // A short window sees none of the takes past it.
      await sleep(60);
      expect(await take({ limit: 1, perMs: 50 })).toEqual({ ok: true });
    });

    it('counts a take with a hold until it is released, and the window after its end', async () => {
      const rate = { limit: 1, perMs: 300 };
      const held = await take({ ...rate, holdMs: 60_000 });
      if (!held.ok || held.token === undefined) throw new Error('expected a token');
      await sleep(400);
      // Still going on after a whole window: it may end at any moment, so ask again a window on.
      expect(waitOf(await take(rate))).toBe(300);
      await store.releaseRateToken({
        tenant: 't1',
        bucket: 'type:http',
        perMs: 300,
        token: held.token,
      });
      const wait = waitOf(await take(rate));
      expect(wait).toBeGreaterThan(200);
      expect(wait).toBeLessThanOrEqual(300);
      await sleep(wait + 5);
      expect(await take(rate)).toEqual({ ok: true });
    });

    it('ends a take that was never released when its hold runs out, a window later', async () => {
      const held = await take({ limit: 1, perMs: 200, holdMs: 100 });
      expect(held.ok).toBe(true);
      const wait = waitOf(await take({ limit: 1, perMs: 200 }));
      expect(wait).toBe(200);
      await sleep(150);
      const after = waitOf(await take({ limit: 1, perMs: 200 }));
      expect(after).toBeLessThanOrEqual(150);
      await sleep(after + 5);
      expect(await take({ limit: 1, perMs: 200 })).toEqual({ ok: true });
    });

    it('gives takes with a hold tokens of their own, so that each release ends one', async () => {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => take({ limit: 4, holdMs: 1000 })),
      );
      const tokens = answers.map((a) => (a.ok ? a.token : undefined));
      expect(new Set(tokens).size).toBe(4);
      expect(tokens.every((t) => typeof t === 'number')).toBe(true);
      // Ended or not, the four are in the window: a release frees nothing for a while.
      await store.releaseRateToken({
        tenant: 't1',
        bucket: 'type:http',
        perMs: 60_000,
        token: tokens[0] ?? 0,
      });
      expect((await take({ limit: 4, holdMs: 1000 })).ok).toBe(false);
      expect(await take({ limit: 4, holdMs: 1000, tenant: 't2' })).toMatchObject({ ok: true });
    });

    it('refuses a limit or a window out of range', async () => {
      const refused = { code: 'invalid_argument' };
      for (const bad of [{ limit: 0 }, { limit: 1.5 }, { limit: 10_001 }, { perMs: 0 }]) {
        await expect(take(bad)).rejects.toMatchObject(refused);
      }
      await expect(take({ perMs: 2 ** 31 })).rejects.toMatchObject(refused);
      await expect(take({ holdMs: 0 })).rejects.toMatchObject(refused);
    });
  });
}
