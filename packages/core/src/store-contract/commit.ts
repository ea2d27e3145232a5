/**
 * @module store-contract/commit
 * A commit is all or nothing, and refuses what only a second writer would write.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, TimerRecord } from '../index.js';
import { at, makeRun, makeNode, makeWrite, events, rawEvent } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function commitCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  describe('atomic commit', () => {
    it('rejects a seq that is already stored and writes nothing of that commit', async () => {
      await store.commit([makeWrite(makeRun('r1', { seq: 1 }), { events: events(1, 1) })]);
      const attempt = makeWrite(makeRun('r1', { status: 'succeeded', seq: 2 }), {
        nodes: [makeNode('r1', 'a')],
        events: events(2, 2).concat(events(1, 1)),
        addTimers: [{ id: 'tm', runId: 'r1', dueAt: 1, kind: 'wait' }],
      });
      await expect(store.commit([attempt])).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await store.loadRun('r1')).toStrictEqual({
        run: makeRun('r1', { seq: 1 }),
        nodes: [],
      });
      expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 1));
      expect(await store.nextTimerDue()).toBeUndefined();
    });

    it('rejects events overlapping those of an earlier commit', async () => {
      await store.commit([makeWrite(makeRun('r1', { seq: 3 }), { events: events(1, 3) })]);
      for (const [from, to] of [
        [2, 4],
        [3, 3],
        [2, 2],
      ] as const) {
        const attempt = makeWrite(makeRun('r1', { seq: to }), { events: events(from, to) });
        await expect(store.commit([attempt])).rejects.toMatchObject({ code: 'store_conflict' });
      }
      expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 3));
      expect((await store.getRun('r1'))?.seq).toBe(3);
    });

    it('rejects events of a writer whose previous is stale', async () => {
      const stale = makeRun('r1', { seq: 1 });
      await store.commit([makeWrite(stale, { events: events(1, 1) })]);
      await store.commit([makeWrite(makeRun('r1', { seq: 3 }), { events: events(2, 3) })]);
      const late = makeWrite(makeRun('r1', { seq: 2 }), { events: events(2, 2), previous: stale });
      await expect(store.commit([late])).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 3));
      expect((await store.getRun('r1'))?.seq).toBe(3);
    });

    it('rejects a seq repeated within one commit', async () => {
      const attempt = makeWrite(makeRun('r1'), { events: events(1, 2).concat(events(2, 2)) });
      await expect(store.commit([attempt])).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await store.getRun('r1')).toBeUndefined();
      expect(await store.readEvents('r1', 0)).toEqual([]);
    });

    it('rolls back the run row and the other runs when an event cannot be stored', async () => {
      await store.commit([makeWrite(makeRun('r1', { seq: 1 }), { events: events(1, 1) })]);
      const bad = rawEvent({ seq: 2, type: 'message', at: at(2), data: { n: BigInt(1) } });
      await expect(
        store.commit([
          makeWrite(makeRun('r2'), { events: events(1, 1) }),
          makeWrite(makeRun('r1', { status: 'succeeded', seq: 2 }), { events: [bad] }),
        ]),
      ).rejects.toThrow();
      expect(await store.getRun('r1')).toStrictEqual(makeRun('r1', { seq: 1 }));
      expect(await store.getRun('r2')).toBeUndefined();
      expect(await store.readEvents('r2', 0)).toEqual([]);
    });

    it('rejects a timer id that already exists', async () => {
      const timer: TimerRecord = { id: 'tm', runId: 'r1', dueAt: 10, kind: 'wait' };
      await store.commit([makeWrite(makeRun('r1'), { addTimers: [timer] })]);
      const again = makeWrite(makeRun('r1', { seq: 9 }), { addTimers: [{ ...timer, dueAt: 5 }] });
      await expect(store.commit([again])).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await store.nextTimerDue()).toBe(10);
      expect((await store.getRun('r1'))?.seq).toBe(0);
    });
  });

  describe('writes in one commit', () => {
    it('applies two writes of one run in their order', async () => {
      const first = makeRun('r1', { seq: 1 });
      const second = makeRun('r1', { status: 'succeeded', seq: 2, output: { done: true } });
      await store.commit([
        makeWrite(first, { nodes: [makeNode('r1', 'a')], events: events(1, 1) }),
        makeWrite(second, {
          nodes: [makeNode('r1', 'a', { status: 'succeeded', output: { done: true } })],
          events: events(2, 2),
          previous: first,
        }),
      ]);
      expect(await store.loadRun('r1')).toStrictEqual({
        run: second,
        nodes: [makeNode('r1', 'a', { status: 'succeeded', output: { done: true } })],
      });
      expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 2));
    });

    it('keeps the last of two rows of one node path in one write', async () => {
      await store.commit([
        makeWrite(makeRun('r1'), {
          nodes: [makeNode('r1', 'a'), makeNode('r1', 'a', { status: 'failed', attempts: 2 })],
        }),
      ]);
      expect((await store.loadRun('r1'))?.nodes).toStrictEqual([
        makeNode('r1', 'a', { status: 'failed', attempts: 2 }),
      ]);
    });

    it('keeps the stored input when a write says it is unchanged, row written whole or not', async () => {
      const input = { text: 'x'.repeat(3000), n: 1 };
      const first = makeRun('r1', { input });
      await store.commit([makeWrite(first)]);
      const next = makeRun('r1', { input, seq: 1 });
      await store.commit([makeWrite(next, { inputUnchanged: true, previous: first })]);
      expect(await store.getRun('r1')).toStrictEqual(next);
      // A field fixed at creation changed: the row is written whole, the input still kept.
      const moved = makeRun('r1', { input, seq: 2, tenant: 't2' });
      await store.commit([makeWrite(moved, { inputUnchanged: true, previous: next })]);
      expect(await store.getRun('r1')).toStrictEqual(moved);
      const last = makeRun('r1', { input, seq: 3, tenant: 't2', status: 'paused' });
      await store.commit([makeWrite(last, { inputUnchanged: true })]);
      expect(await store.loadRun('r1')).toStrictEqual({ run: last, nodes: [] });
    });
  });
}
