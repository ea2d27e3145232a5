/**
 * @module store-contract/triggers
 * Cron schedules (replace on publish, delete with the workflow, due order, claim as
 * compare-and-set), webhook deliveries (first one wins), and deleted workflows that kept runs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ScheduleSpec, Store } from '../index.js';
import { at, definition } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function triggerCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const spec = (triggerIndex: number, nextDue: number, fields: Partial<ScheduleSpec> = {}) => ({
    triggerIndex,
    schedule: '* * * * *',
    nextDue,
    ...fields,
  });

  describe('schedules', () => {
    it('round-trips every field; absent timezone and input stay absent', async () => {
      await store.replaceSchedules('t1', 'wf', [
        spec(0, 1000, { timezone: 'Europe/Paris', input: { q: 'digest', n: [1, null] } }),
        spec(2, 2000, { schedule: '*/5 * * * * *', enabled: false }),
      ]);
      const list = await store.listSchedules('t1', 'wf');
      expect(list.map(({ id: _id, ...rest }) => rest)).toStrictEqual([
        {
          tenant: 't1',
          workflowId: 'wf',
          triggerIndex: 0,
          schedule: '* * * * *',
          timezone: 'Europe/Paris',
          input: { q: 'digest', n: [1, null] },
          nextDue: 1000,
          enabled: true,
        },
        {
          tenant: 't1',
          workflowId: 'wf',
          triggerIndex: 2,
          schedule: '*/5 * * * * *',
          nextDue: 2000,
          enabled: false,
        },
      ]);
      expect(new Set(list.map((s) => s.id)).size).toBe(2);
    });

    it('replacing keeps the id and next due time of an unchanged schedule, resets a changed one, drops the rest', async () => {
      await store.replaceSchedules('t1', 'wf', [spec(0, 1000), spec(1, 1000), spec(2, 1000)]);
      const before = await store.listSchedules('t1', 'wf');
      await store.replaceSchedules('t1', 'wf', [
        spec(0, 5000, { input: { changed: true } }),
        spec(1, 5000, { schedule: '0 * * * *' }),
      ]);
      const after = await store.listSchedules('t1', 'wf');
      expect(after.map((s) => [s.triggerIndex, s.nextDue, s.schedule])).toEqual([
        [0, 1000, '* * * * *'],
        [1, 5000, '0 * * * *'],
      ]);
      expect(after[0]?.id).toBe(before[0]?.id);
      expect(after[0]?.input).toEqual({ changed: true });
      await store.replaceSchedules('t1', 'wf', [spec(0, 7000, { timezone: 'UTC' })]);
      expect((await store.listSchedules('t1', 'wf')).map((s) => s.nextDue)).toEqual([7000]);
      await store.replaceSchedules('t1', 'wf', []);
      expect(await store.listSchedules('t1', 'wf')).toEqual([]);
    });

    it('keeps tenants and workflows apart', async () => {
      await store.replaceSchedules('t1', 'a', [spec(0, 1)]);
      await store.replaceSchedules('t1', 'b', [spec(0, 2)]);
      await store.replaceSchedules('t2', 'a', [spec(0, 3)]);
      expect((await store.listSchedules('t1')).map((s) => s.workflowId)).toEqual(['a', 'b']);
      expect((await store.listSchedules('t2')).map((s) => s.nextDue)).toEqual([3]);
      await store.replaceSchedules('t1', 'a', []);
      expect((await store.listSchedules('t2', 'a')).map((s) => s.nextDue)).toEqual([3]);
    });

    it('lists due enabled schedules earliest first, and the next due time', async () => {
      expect(await store.nextScheduleDue()).toBeUndefined();
      await store.replaceSchedules('t1', 'a', [spec(0, 3000), spec(1, 1000)]);
      await store.replaceSchedules('t2', 'b', [spec(0, 2000), spec(1, 500, { enabled: false })]);
      expect(await store.nextScheduleDue()).toBe(1000);
      const due = await store.dueSchedules(2000, 10);
      expect(due.map((s) => [s.tenant, s.nextDue])).toEqual([
        ['t1', 1000],
        ['t2', 2000],
      ]);
      expect(await store.dueSchedules(10_000, 1)).toHaveLength(1);
      expect(await store.dueSchedules(999, 10)).toEqual([]);
    });

    it('claims a due time once: a compare-and-set on the next due time', async () => {
      await store.replaceSchedules('t1', 'a', [spec(0, 1000)]);
      const [s] = await store.listSchedules('t1', 'a');
      const claims = await Promise.all([
        store.claimDueSchedule(s!.id, 1000, 2000),
        store.claimDueSchedule(s!.id, 1000, 2000),
        store.claimDueSchedule(s!.id, 1000, 3000),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await store.listSchedules('t1', 'a'))[0]?.nextDue).toBe(2000);
      expect(await store.claimDueSchedule(s!.id, 1000, 9000)).toBe(false);
      expect(await store.claimDueSchedule('no-such-id', 1000, 2000)).toBe(false);
    });

    it('never claims a disabled schedule', async () => {
      await store.replaceSchedules('t1', 'a', [spec(0, 1000, { enabled: false })]);
      const [s] = await store.listSchedules('t1', 'a');
      expect(await store.claimDueSchedule(s!.id, 1000, 2000)).toBe(false);
    });

    it('deleting the workflow deletes its schedules', async () => {
      await store.saveWorkflow({
        tenant: 't1',
        definition: definition('a'),
        source: '',
        hash: 'h',
      });
      await store.replaceSchedules('t1', 'a', [spec(0, 1000)]);
      await store.replaceSchedules('t1', 'b', [spec(0, 1000)]);
      expect(await store.deleteWorkflow('t1', 'a')).toBe(true);
      expect(await store.listSchedules('t1', 'a')).toEqual([]);
      expect(await store.listSchedules('t1', 'b')).toHaveLength(1);
      expect(await store.nextScheduleDue()).toBe(1000);
    });
  });

  describe('webhook deliveries', () => {
    const delivery = (deliveryId: string, runId: string, fields = {}) => ({
      tenant: 't1',
      path: 'hooks/in',
      deliveryId,
      runId,
      createdAt: at(1),
      ...fields,
    });

    it('the first delivery of an id wins; later ones get its run id', async () => {
      expect(await store.findDelivery('t1', 'hooks/in', 'd1')).toBeUndefined();
      expect(await store.recordDelivery(delivery('d1', 'r1'))).toEqual({
        runId: 'r1',
        created: true,
      });
      expect(await store.recordDelivery(delivery('d1', 'r2'))).toEqual({
        runId: 'r1',
        created: false,
      });
      expect(await store.findDelivery('t1', 'hooks/in', 'd1')).toBe('r1');
    });

    it('keys deliveries by tenant, path and id', async () => {
      await store.recordDelivery(delivery('d1', 'r1'));
      expect((await store.recordDelivery(delivery('d1', 'r2', { tenant: 't2' }))).created).toBe(
        true,
      );
      expect((await store.recordDelivery(delivery('d1', 'r3', { path: 'other' }))).created).toBe(
        true,
      );
      expect(await store.findDelivery('t1', 'other', 'd1')).toBe('r3');
    });
  });

  describe('deleted workflows', () => {
    it('are found with includeDeleted, by version and as the latest', async () => {
      const save = (hash: string) =>
        store.saveWorkflow({ tenant: 't1', definition: definition('wf'), source: hash, hash });
      await save('h1');
      await save('h2');
      await store.deleteWorkflow('t1', 'wf');
      expect(await store.getWorkflow('t1', 'wf', 1)).toBeUndefined();
      expect(await store.getWorkflow('t1', 'wf')).toBeUndefined();
      const v1 = await store.getWorkflow('t1', 'wf', 1, { includeDeleted: true });
      expect(v1).toMatchObject({ id: 'wf', version: 1, hash: 'h1', source: 'h1' });
      expect(
        await store.getWorkflow('t1', 'wf', undefined, { includeDeleted: true }),
      ).toMatchObject({ version: 2 });
      expect(await store.getWorkflow('t2', 'wf', 1, { includeDeleted: true })).toBeUndefined();
      await save('h3');
      expect((await store.getWorkflow('t1', 'wf', 3))?.hash).toBe('h3');
      expect((await store.getWorkflow('t1', 'wf', 2, { includeDeleted: true }))?.hash).toBe('h2');
    });
  });
}
