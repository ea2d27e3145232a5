/**
 * @module store-contract/start-keys
 * A workflow's `singleton:` and `debounce:` in the store: one unfinished run per singleton key,
 * however the commits race, freed when the run finishes; one pending debounced start per key,
 * joined by later starts, fired once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import type { DebounceStart, RunStatus, Store } from '../index.js';
import { makeRun, makeWrite } from './fixtures.js';

export function startKeyCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const held = (id: string, key: string, fields: { tenant?: string; workflowId?: string } = {}) =>
    makeWrite(makeRun(id, { status: 'running', ...fields }), { singletonKey: key });
  const conflict = (p: Promise<unknown>) =>
    expect(p).rejects.toSatisfy((e) => WeftError.is(e) && e.code === 'store_conflict');
  const finish = (id: string, status: RunStatus, seq = 0) =>
    store.commit([makeWrite(makeRun(id, { status, seq }))]);

  describe('singleton keys', () => {
    it('refuse a second unfinished run of a key, per tenant and workflow', async () => {
      await store.commit([held('a', 'k')]);
      await conflict(store.commit([held('b', 'k')]));
      expect(await store.getRun('b')).toBeUndefined();
      await store.commit([held('c', 'k', { tenant: 't2' })]);
      await store.commit([held('d', 'k', { workflowId: 'other' })]);
      await store.commit([held('e', 'k2')]);
      expect((await store.findSingletonRun('t1', 'wf', 'k'))?.id).toBe('a');
      expect((await store.findSingletonRun('t2', 'wf', 'k'))?.id).toBe('c');
      expect(await store.findSingletonRun('t1', 'wf', 'none')).toBeUndefined();
    });

    it('take the whole commit down with the run that conflicts', async () => {
      await store.commit([held('a', 'k')]);
      await conflict(store.commit([makeWrite(makeRun('free')), held('b', 'k')]));
      expect(await store.getRun('free')).toBeUndefined();
    });

    it('are freed when the run finishes; a retry of it conflicts while another holds the key', async () => {
      await store.commit([held('a', 'k')]);
      await finish('a', 'cancelled');
      expect(await store.findSingletonRun('t1', 'wf', 'k')).toBeUndefined();
      await store.commit([held('b', 'k')]);
      expect((await store.findSingletonRun('t1', 'wf', 'k'))?.id).toBe('b');
      await conflict(finish('a', 'running'));
      await finish('b', 'succeeded');
      await finish('a', 'running');
      expect((await store.findSingletonRun('t1', 'wf', 'k'))?.id).toBe('a');
    });

    it('let exactly one of racing commits of one key through', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `r${i}`);
      const outcomes = await Promise.allSettled(ids.map((id) => store.commit([held(id, 'k')])));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect((o.reason as WeftError).code).toBe('store_conflict');
      }
      const holder = await store.findSingletonRun('t1', 'wf', 'k');
      expect(ids[outcomes.findIndex((o) => o.status === 'fulfilled')]).toBe(holder?.id);
    });
  });

  describe('debounced starts', () => {
    const start = (runId: string, fields: Partial<DebounceStart> = {}): DebounceStart => ({
      tenant: 't1',
      workflowId: 'wf',
      key: 'k',
      runId,
      version: 1,
      input: { n: runId },
      priority: 0,
      dueAt: 1000,
      deadline: 5000,
      ...fields,
    });

    it('join the pending start of their key: last input, due pushed back up to the deadline', async () => {
      expect(await store.debounceStart(start('a'))).toEqual({
        runId: 'a',
        created: true,
        dueAt: 1000,
      });
      expect(await store.debounceStart(start('b', { dueAt: 3000, deadline: 9000 }))).toEqual({
        runId: 'a',
        created: false,
        dueAt: 3000,
      });
      expect(await store.debounceStart(start('c', { dueAt: 7000, version: 2 }))).toEqual({
        runId: 'a',
        created: false,
        dueAt: 5000,
      });
      await store.debounceStart(start('other', { key: 'k2', dueAt: 4000 }));
      await store.debounceStart(start('t2', { tenant: 't2', dueAt: 6000, deadline: 9000 }));
      expect(await store.nextDebounceDue()).toBe(4000);
      const due = await store.dueDebounces(5000, 10);
      expect(due.map((d) => d.runId)).toEqual(['other', 'a']);
      expect(due[1]).toMatchObject({
        tenant: 't1',
        workflowId: 'wf',
        key: 'k',
        version: 2,
        input: { n: 'c' },
        dueAt: 5000,
        deadline: 5000,
        fired: false,
      });
      expect(await store.dueDebounces(5000, 1)).toHaveLength(1);
    });

    it('fire once: a claim at a stale revision fails, and later starts make a new one', async () => {
      await store.debounceStart(start('a'));
      const [pending] = await store.dueDebounces(1000, 10);
      await store.debounceStart(start('b', { input: { n: 'late' } }));
      expect(await store.claimDebounce('a', pending!.rev, 60_000)).toBe(false);
      const [again] = await store.dueDebounces(1000, 10);
      expect(again!.input).toEqual({ n: 'late' });
      expect(await store.claimDebounce('a', again!.rev, 60_000)).toBe(true);
      expect(await store.claimDebounce('a', again!.rev, 60_000)).toBe(false);
      expect(await store.dueDebounces(59_999, 10)).toEqual([]);
      expect(await store.debounceStart(start('c'))).toMatchObject({ runId: 'c', created: true });
      // The firer's lease lapsed: the row is due again, marked fired.
      const lapsed = await store.dueDebounces(60_000, 10);
      expect(lapsed.map((d) => [d.runId, d.fired])).toEqual([
        ['c', false],
        ['a', true],
      ]);
      await store.deleteDebounce('a');
      await store.deleteDebounce('missing');
      expect((await store.dueDebounces(60_000, 10)).map((d) => d.runId)).toEqual(['c']);
    });

    it('move with their tenant', async () => {
      await store.debounceStart(start('a'));
      await store.moveTenant('t1', 't9', []);
      expect((await store.dueDebounces(1000, 10)).map((d) => d.tenant)).toEqual(['t9']);
    });

    it('join one pending start however many race for the key', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `s${i}`);
      const answers = await Promise.all(ids.map((id) => store.debounceStart(start(id))));
      expect(new Set(answers.map((a) => a.runId)).size).toBe(1);
      expect(answers.filter((a) => a.created)).toHaveLength(1);
      expect(await store.dueDebounces(1000, 10)).toHaveLength(1);
    });
  });
}
