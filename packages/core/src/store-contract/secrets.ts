/**
 * @module store-contract/secrets
 * Credentials (ciphertext kept as given), API keys (by hash) and the meta key/value table.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, Store } from '../index.js';
import { at } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function secretCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const put = (tenant: string, name: string, ciphertext: string, t = 0, type = 'bearer') =>
    store.putCredential({ tenant, name, type, ciphertext, at: at(t) });

  describe('credentials', () => {
    it('round-trips a credential and keeps the ciphertext byte for byte', async () => {
      const ciphertext = `v1.${'a'.repeat(16)}.${'b'.repeat(22)}.naïve—\u0000🧵`;
      expect(await put('t1', 'api', ciphertext, 5)).toEqual({ created: true });
      expect(await store.getCredential('t1', 'api')).toStrictEqual({
        tenant: 't1',
        name: 'api',
        type: 'bearer',
        ciphertext,
        createdAt: at(5),
        updatedAt: at(5),
      });
      expect(await store.getCredential('t1', 'other')).toBeUndefined();
    });

    it('replaces on put, keeping the creation time', async () => {
      await put('t1', 'api', 'one', 1);
      expect(await put('t1', 'api', 'two', 9, 'header')).toEqual({ created: false });
      expect(await store.getCredential('t1', 'api')).toMatchObject({
        type: 'header',
        ciphertext: 'two',
        createdAt: at(1),
        updatedAt: at(9),
      });
    });

    it('lists names, types and times only, by name, per tenant', async () => {
      await put('t1', 'zeta', 'z', 1);
      await put('t1', 'alpha', 'a', 2, 'basic');
      await put('t2', 'beta', 'b', 3);
      const list = await store.listCredentials('t1');
      expect(list).toStrictEqual([
        { name: 'alpha', type: 'basic', createdAt: at(2), updatedAt: at(2) },
        { name: 'zeta', type: 'bearer', createdAt: at(1), updatedAt: at(1) },
      ]);
      expect(await store.listCredentials('nobody')).toEqual([]);
    });

    it('keeps tenants apart and deletes one at a time', async () => {
      await put('t1', 'api', 'mine', 1);
      await put('t2', 'api', 'theirs', 1);
      expect((await store.getCredential('t2', 'api'))?.ciphertext).toBe('theirs');
      expect(await store.deleteCredential('t1', 'api')).toBe(true);
      expect(await store.deleteCredential('t1', 'api')).toBe(false);
      expect(await store.getCredential('t1', 'api')).toBeUndefined();
      expect((await store.getCredential('t2', 'api'))?.ciphertext).toBe('theirs');
    });
  });

  describe('api keys', () => {
    const key = (id: string, tenant: string, hash: string, t = 0): ApiKeyRecord => ({
      id,
      tenant,
      hash,
      prefix: `wft_${id}`,
      createdAt: at(t),
    });

    it("finds a key by its hash and lists a tenant's keys oldest first", async () => {
      await store.createApiKey(key('k2', 't1', 'b'.repeat(64), 2));
      await store.createApiKey(key('k1', 't1', 'a'.repeat(64), 1));
      await store.createApiKey(key('k3', 't2', 'c'.repeat(64), 3));
      expect(await store.findApiKeyByHash('a'.repeat(64))).toStrictEqual(
        key('k1', 't1', 'a'.repeat(64), 1),
      );
      expect(await store.findApiKeyByHash('d'.repeat(64))).toBeUndefined();
      expect((await store.listApiKeys('t1')).map((k) => k.id)).toEqual(['k1', 'k2']);
    });

    it('refuses a second key with the same hash or id', async () => {
      await store.createApiKey(key('k1', 't1', 'a'.repeat(64)));
      await expect(store.createApiKey(key('k2', 't2', 'a'.repeat(64)))).rejects.toMatchObject({
        code: 'store_conflict',
      });
      await expect(store.createApiKey(key('k1', 't1', 'b'.repeat(64)))).rejects.toMatchObject({
        code: 'store_conflict',
      });
    });

    it('deletes a key only for its own tenant', async () => {
      expect(await store.hasApiKeys()).toBe(false);
      await store.createApiKey(key('k1', 't1', 'a'.repeat(64)));
      expect(await store.hasApiKeys()).toBe(true);
      expect(await store.deleteApiKey('t2', 'k1')).toBe(false);
      expect(await store.deleteApiKey('t1', 'k1')).toBe(true);
      expect(await store.findApiKeyByHash('a'.repeat(64))).toBeUndefined();
      expect(await store.hasApiKeys()).toBe(false);
    });
  });

  describe('meta', () => {
    it('gets, sets, and sets only if absent when asked', async () => {
      expect(await store.getMeta('check')).toBeUndefined();
      expect(await store.setMeta('check', 'one', { ifAbsent: true })).toBe(true);
      expect(await store.setMeta('check', 'two', { ifAbsent: true })).toBe(false);
      expect(await store.getMeta('check')).toBe('one');
      expect(await store.setMeta('check', 'three')).toBe(true);
      expect(await store.getMeta('check')).toBe('three');
    });
  });
}
