/**
 * @module store-contract/knowledge
 * Knowledge collections: chunks with their embeddings and metadata, ranked by cosine similarity,
 * filtered by metadata, optionally fused with the store's keyword ranking; kept per tenant.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { KnowledgeChunk, Store } from '../index.js';
import { at } from './fixtures.js';

const vec = (...xs: number[]) => Float32Array.from(xs);
const chunk = (text: string, embedding: Float32Array, metadata?: Record<string, unknown>) =>
  metadata === undefined ? { text, embedding } : { text, embedding, metadata };

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function knowledgeCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  /** Three chunks in t1's `docs`, pointing east, north-east and north. */
  const seed = () =>
    store.addKnowledge(
      't1',
      'docs',
      [
        chunk('east wind', vec(1, 0, 0), { lang: 'en', n: 1 }),
        chunk('north east wind', vec(1, 1, 0), { lang: 'fr', n: 2 }),
        chunk('north pole', vec(0, 1, 0), { lang: 'en', n: 3, extra: null }),
      ],
      at(1),
    );

  describe('knowledge', () => {
    it('adds chunks, giving their ids in order, and describes the collection', async () => {
      const ids = await seed();
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      expect(await store.knowledgeCollection('t1', 'docs')).toEqual({
        name: 'docs',
        dimensions: 3,
        chunks: 3,
      });
      expect(await store.knowledgeCollection('t1', 'none')).toBeUndefined();
      expect(await store.knowledgeCollection('t2', 'docs')).toBeUndefined();
    });

    it('ranks by cosine similarity, best first, with text, score and metadata', async () => {
      const ids = await seed();
      const matches = await store.queryKnowledge('t1', 'docs', {
        embedding: vec(2, 0, 0),
        topK: 2,
      });
      expect(matches.map((m) => m.id)).toEqual([ids[0], ids[1]]);
      expect(matches[0]).toMatchObject({ text: 'east wind', metadata: { lang: 'en', n: 1 } });
      expect(matches[0]?.score).toBeCloseTo(1, 6);
      expect(matches[1]?.score).toBeCloseTo(Math.SQRT1_2, 6);
      const all = await store.queryKnowledge('t1', 'docs', { embedding: vec(0, 1, 0), topK: 10 });
      expect(all.map((m) => m.text)).toEqual(['north pole', 'north east wind', 'east wind']);
      expect(all[2]?.score).toBe(0);
    });

    it('keeps only chunks whose metadata hold every value of the filter', async () => {
      await seed();
      const q = { embedding: vec(1, 0, 0), topK: 10 };
      const texts = async (filter: Record<string, string | number | boolean | null>) =>
        (await store.queryKnowledge('t1', 'docs', { ...q, filter })).map((m) => m.text);
      expect(await texts({ lang: 'en' })).toEqual(['east wind', 'north pole']);
      expect(await texts({ lang: 'en', n: 3 })).toEqual(['north pole']);
      expect(await texts({ extra: null })).toEqual(['north pole']);
      expect(await texts({ n: '1' })).toEqual([]);
      expect(await texts({ missing: null })).toEqual([]);
    });

    it('fuses keyword ranking with vector ranking when given keywords', async () => {
      const ids = await store.addKnowledge(
        't1',
        'docs',
        [
          chunk('apples and pears', vec(1, 0)),
          chunk('the zebra crossing', vec(0.9, 0.1)),
          chunk('oranges', vec(0, 1)),
        ],
        at(1),
      );
      const q = { embedding: vec(1, 0), topK: 3 };
      const plain = await store.queryKnowledge('t1', 'docs', q);
      expect(plain.map((m) => m.id)).toEqual(ids);
      // "zebra" is only in the second chunk: first in the keyword ranking, it comes first overall.
      const fused = await store.queryKnowledge('t1', 'docs', { ...q, keywords: 'Zebra?' });
      expect(fused.map((m) => m.id)).toEqual([ids[1], ids[0], ids[2]]);
      expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 9);
      expect(fused[1]?.score).toBeCloseTo(1 / 61, 9);
      // Words no chunk has, or none at all, leave the vector ranking as it is.
      const none = await store.queryKnowledge('t1', 'docs', { ...q, keywords: '"*) OR (' });
      expect(none.map((m) => m.id)).toEqual(ids);
    });

    it('keeps tenants and collections apart', async () => {
      await seed();
      await store.addKnowledge('t2', 'docs', [chunk('other tenant', vec(1, 0, 0))], at(1));
      await store.addKnowledge('t1', 'more', [chunk('other collection', vec(1, 0, 0))], at(1));
      const q = { embedding: vec(1, 0, 0), topK: 10, keywords: 'other' };
      expect((await store.queryKnowledge('t2', 'docs', q)).map((m) => m.text)).toEqual([
        'other tenant',
      ]);
      expect((await store.queryKnowledge('t1', 'docs', q)).map((m) => m.text)).not.toContain(
        'other tenant',
      );
      expect(await store.queryKnowledge('t1', 'none', q)).toEqual([]);
    });

    it('refuses embeddings of other dimensions and what is past a bound, adding nothing', async () => {
      await seed();
      const refused = { code: 'invalid_argument' };
      await expect(
        store.addKnowledge('t1', 'docs', [chunk('short', vec(1, 0))], at(2)),
      ).rejects.toMatchObject({ ...refused, message: expect.stringMatching(/have 3/) });
      await expect(
        store.queryKnowledge('t1', 'docs', { embedding: vec(1, 0), topK: 1 }),
      ).rejects.toMatchObject(refused);
      await expect(
        store.addKnowledge('t1', 'new', [chunk('a', vec(1, 0)), chunk('b', vec(1, 0, 0))], at(2)),
      ).rejects.toMatchObject(refused);
      await expect(
        store.addKnowledge('t1', 'new', [chunk('a', vec(Number.NaN, 0))], at(2)),
      ).rejects.toMatchObject(refused);
      const tooMany: KnowledgeChunk[] = Array.from({ length: 1001 }, () => chunk('a', vec(1)));
      await expect(store.addKnowledge('t1', 'new', tooMany, at(2))).rejects.toMatchObject(refused);
      await expect(
        store.addKnowledge('t1', 'new', [chunk('a', vec(1), { big: 'x'.repeat(5000) })], at(2)),
      ).rejects.toMatchObject(refused);
      await expect(
        store.queryKnowledge('t1', 'docs', { embedding: vec(1, 0, 0), topK: 101 }),
      ).rejects.toMatchObject(refused);
      expect(await store.knowledgeCollection('t1', 'new')).toBeUndefined();
      expect((await store.knowledgeCollection('t1', 'docs'))?.chunks).toBe(3);
    });
  });
}
