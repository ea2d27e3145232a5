/**
 * @module store-contract/token-budgets
 * Token budgets: spends add up per window of a bucket, exactly however many callers race on it;
 * windows are apart per tenant, bucket, length and start; a bucket forgets windows older than
 * the one before the latest spent in; spends and windows out of range are refused.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, TokenWindow } from '../index.js';

const DAY = 86_400_000;

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function tokenBudgetCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });
  const window = (fields: Partial<TokenWindow> = {}): TokenWindow => ({
    tenant: 't1',
    bucket: 'credential:openai',
    perMs: DAY,
    windowStart: 20_000 * DAY,
    ...fields,
  });
  const spend = (tokens: number, fields: Partial<TokenWindow> = {}) =>
    store.spendTokens({ ...window(fields), tokens });

  describe('token budgets', () => {
    it('adds spends up in a window and reads them back; nothing spent reads 0', async () => {
      expect(await store.tokensSpent(window())).toBe(0);
      expect(await spend(120)).toBe(120);
      expect(await spend(30)).toBe(150);
      expect(await store.tokensSpent(window())).toBe(150);
      // Past what a 32-bit integer holds.
      expect(await spend(999_999_999_999)).toBe(1_000_000_000_149);
    });

    it('keeps windows apart by tenant, bucket, length and start', async () => {
      await spend(10);
      await spend(1, { tenant: 't2' });
      await spend(2, { bucket: 'type:llm' });
      await spend(3, { perMs: DAY / 24, windowStart: 20_000 * DAY });
      await spend(4, { windowStart: 20_001 * DAY });
      expect(await store.tokensSpent(window())).toBe(10);
      expect(await store.tokensSpent(window({ tenant: 't2' }))).toBe(1);
      expect(await store.tokensSpent(window({ bucket: 'type:llm' }))).toBe(2);
      expect(await store.tokensSpent(window({ perMs: DAY / 24 }))).toBe(3);
      expect(await store.tokensSpent(window({ windowStart: 20_001 * DAY }))).toBe(4);
    });

    it('adds up exactly the spends of many callers racing on one window', async () => {
      // Sizes that vary (a fixed sequence, so a failure can be replayed).
      const sizes = Array.from({ length: 60 }, (_, i) => ((i * 7919) % 997) + 1);
      const answers = await Promise.all(sizes.map((n) => spend(n)));
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(await store.tokensSpent(window())).toBe(total);
      // Each caller saw the count after its own spend: all different, the last the total.
      expect(new Set(answers).size).toBe(sizes.length);
      expect(Math.max(...answers)).toBe(total);
    });

    it('forgets windows older than the one before the latest spent in', async () => {
      const at = (n: number) => ({ windowStart: (20_000 + n) * DAY });
      await spend(5, at(0));
      await spend(6, at(1));
      await spend(7, at(2));
      expect(await store.tokensSpent(window(at(0)))).toBe(0);
      expect(await store.tokensSpent(window(at(1)))).toBe(6);
      expect(await store.tokensSpent(window(at(2)))).toBe(7);
      // Only this bucket's windows of this length.
      await spend(8, { ...at(0), bucket: 'type:agent' });
      await spend(9, { ...at(3), bucket: 'type:llm' });
      await spend(10, { perMs: DAY / 24, windowStart: (20_000 + 10) * DAY });
      expect(await store.tokensSpent(window({ ...at(0), bucket: 'type:agent' }))).toBe(8);
      expect(await store.tokensSpent(window(at(1)))).toBe(6);
    });

    it('refuses tokens, windows and starts out of range', async () => {
      for (const tokens of [0, -1, 1.5, 1_000_000_000_001, Number.NaN]) {
        await expect(spend(tokens)).rejects.toMatchObject({ code: 'invalid_argument' });
      }
      for (const fields of [
        { perMs: 0 },
        { perMs: 2.5 },
        { perMs: 2_147_483_648 },
        { windowStart: -1 },
        { windowStart: 0.5 },
      ]) {
        await expect(spend(1, fields)).rejects.toMatchObject({ code: 'invalid_argument' });
        await expect(store.tokensSpent(window(fields))).rejects.toMatchObject({
          code: 'invalid_argument',
        });
      }
    });
  });
}
