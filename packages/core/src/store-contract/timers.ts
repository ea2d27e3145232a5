/**
 * @module store-contract/timers
 * Durable timers: due order, boundaries, removal and replacement.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, TimerRecord } from '../index.js';
import { TRICKY_JSON, makeRun, makeWrite } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function timerCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  describe('timers', () => {
    const timer = (id: string, dueAt: number, fields: Partial<TimerRecord> = {}): TimerRecord => ({
      id,
      runId: 'r1',
      dueAt,
      kind: 'retry',
      ...fields,
    });

    it('returns timers due at or before now, earliest first, up to the limit', async () => {
      const t = [timer('c', 3000), timer('a', 1000), timer('d', 4000), timer('b', 2000)];
      await store.commit([makeWrite(makeRun('r1'), { addTimers: t })]);
      expect((await store.dueTimers(2999, 10)).map((x) => x.id)).toEqual(['a', 'b']);
      expect((await store.dueTimers(3000, 10)).map((x) => x.id)).toEqual(['a', 'b', 'c']);
      expect((await store.dueTimers(10_000, 2)).map((x) => x.id)).toEqual(['a', 'b']);
      expect(await store.dueTimers(999, 10)).toEqual([]);
    });

    it('round-trips timer fields; absent path and data stay absent', async () => {
      const full = timer('t1', 1_735_689_600_123, {
        kind: 'wait',
        path: 'each[1].pause',
        data: TRICKY_JSON,
      });
      const minimal = timer('t2', 1_735_689_600_124);
      await store.commit([makeWrite(makeRun('r1'), { addTimers: [full, minimal] })]);
      const due = await store.dueTimers(Number.MAX_SAFE_INTEGER, 10);
      expect(due).toStrictEqual([full, minimal]);
    });

    it('reports the next due time, and none when no timer is left', async () => {
      expect(await store.nextTimerDue()).toBeUndefined();
      await store.commit([
        makeWrite(makeRun('r1'), { addTimers: [timer('b', 2000), timer('a', 1500)] }),
      ]);
      expect(await store.nextTimerDue()).toBe(1500);
      await store.commit([makeWrite(makeRun('r1'), { removeTimers: ['a'] })]);
      expect(await store.nextTimerDue()).toBe(2000);
      await store.commit([makeWrite(makeRun('r1'), { removeTimers: ['b', 'never-existed'] })]);
      expect(await store.nextTimerDue()).toBeUndefined();
    });

    it('removes before adding, so one commit can move a timer under the same id', async () => {
      await store.commit([makeWrite(makeRun('r1'), { addTimers: [timer('a', 1000)] })]);
      await store.commit([
        makeWrite(makeRun('r1'), {
          removeTimers: ['a'],
          addTimers: [timer('a', 5000, { kind: 'wait' })],
        }),
      ]);
      expect(await store.dueTimers(10_000, 10)).toStrictEqual([timer('a', 5000, { kind: 'wait' })]);
    });

    it('keeps timers of several runs in one due order', async () => {
      await store.commit([
        makeWrite(makeRun('r1'), { addTimers: [timer('x', 300)] }),
        makeWrite(makeRun('r2'), { addTimers: [timer('y', 100, { runId: 'r2' })] }),
      ]);
      expect((await store.dueTimers(1000, 10)).map((x) => [x.id, x.runId])).toEqual([
        ['y', 'r2'],
        ['x', 'r1'],
      ]);
    });
  });
}
