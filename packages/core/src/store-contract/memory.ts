/**
 * @module store-contract/memory
 * Conversation memory: appends keep order per session and tenant, reads return the newest messages
 * within a window oldest first, clears delete one session only, and the bounds hold.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryMessage, Store } from '../index.js';
import { at, TRICKY_JSON } from './fixtures.js';

const say = (content: string, role = 'user'): MemoryMessage => ({ role, content });

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function memoryCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  describe('memory', () => {
    it('appends in order and reads the messages back as given', async () => {
      expect(await store.appendMemory('t1', 's', [say('a'), say('b', 'assistant')], at(1))).toEqual(
        { total: 2 },
      );
      const tricky = { role: 'tool', content: TRICKY_JSON, name: 'lookup', tool_call_id: 'c1' };
      expect(await store.appendMemory('t1', 's', [tricky], at(2))).toEqual({ total: 3 });
      expect(await store.readMemory('t1', 's')).toStrictEqual([
        say('a'),
        say('b', 'assistant'),
        tricky,
      ]);
    });

    it('keeps sessions and tenants apart', async () => {
      await store.appendMemory('t1', 's', [say('one')], at(1));
      await store.appendMemory('t1', 'other', [say('two')], at(1));
      await store.appendMemory('t2', 's', [say('three')], at(1));
      expect(await store.readMemory('t1', 's')).toEqual([say('one')]);
      expect(await store.readMemory('t2', 's')).toEqual([say('three')]);
      expect(await store.readMemory('t1', 'none')).toEqual([]);
    });

    it('reads the newest messages within a window of messages or tokens', async () => {
      // Tokens are ceil(characters / 4): 1, 2, 3, 4 tokens.
      const four = [say('a'), say('abcde'), say('abcdefghi'), say('abcdefghijklm')];
      await store.appendMemory('t1', 's', four, at(1));
      expect(await store.readMemory('t1', 's', { messages: 2 })).toEqual(four.slice(2));
      expect(await store.readMemory('t1', 's', { tokens: 7 })).toEqual(four.slice(2));
      expect(await store.readMemory('t1', 's', { tokens: 6 })).toEqual(four.slice(3));
      expect(await store.readMemory('t1', 's', { tokens: 3 })).toEqual([]);
      expect(await store.readMemory('t1', 's', { tokens: 100, messages: 3 })).toEqual(
        four.slice(1),
      );
      expect(await store.readMemory('t1', 's', { messages: 0 })).toEqual([]);
    });

    it('clears one session and counts what it deleted', async () => {
      await store.appendMemory('t1', 's', [say('a'), say('b')], at(1));
      await store.appendMemory('t1', 'kept', [say('c')], at(1));
      expect(await store.clearMemory('t1', 's')).toBe(2);
      expect(await store.clearMemory('t1', 's')).toBe(0);
      expect(await store.readMemory('t1', 's')).toEqual([]);
      expect(await store.readMemory('t1', 'kept')).toEqual([say('c')]);
      expect(await store.appendMemory('t1', 's', [say('d')], at(2))).toEqual({ total: 1 });
    });

    it('keeps the newest 10,000 messages of a session', async () => {
      const batch = (from: number) => Array.from({ length: 100 }, (_, i) => say(String(from + i)));
      for (let n = 0; n < 10_100; n += 100) await store.appendMemory('t1', 's', batch(n), at(1));
      expect(await store.appendMemory('t1', 's', [say('last')], at(2))).toEqual({ total: 10_000 });
      const newest = await store.readMemory('t1', 's', { messages: 2 });
      expect(newest).toEqual([say('10099'), say('last')]);
    }, 60_000);

    it('refuses what is past a bound, writing nothing', async () => {
      const refused = { code: 'invalid_argument' };
      await expect(store.appendMemory('t1', '', [say('a')], at(1))).rejects.toMatchObject(refused);
      await expect(
        store.appendMemory('t1', 'x'.repeat(257), [say('a')], at(1)),
      ).rejects.toMatchObject(refused);
      const many = Array.from({ length: 101 }, () => say('a'));
      await expect(store.appendMemory('t1', 's', many, at(1))).rejects.toMatchObject(refused);
      await expect(
        store.appendMemory('t1', 's', [say('a'), say('x'.repeat(70_000))], at(1)),
      ).rejects.toMatchObject(refused);
      await expect(
        store.appendMemory('t1', 's', [{ content: 'no role' } as unknown as MemoryMessage], at(1)),
      ).rejects.toMatchObject(refused);
      await expect(store.readMemory('t1', 's', { messages: -1 })).rejects.toMatchObject(refused);
      expect(await store.readMemory('t1', 's')).toEqual([]);
    });
  });
}
