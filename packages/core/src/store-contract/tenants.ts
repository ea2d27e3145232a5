/**
 * @module store-contract/tenants
 * Moving a tenant: everything it holds goes to the other tenant in one transaction, or nothing
 * does; API keys stay where they are.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../index.js';
import { at, definition, events, makeNode, makeRun, makeWrite } from './fixtures.js';

/** A one-number embedding: every chunk of these cases is alike. */
const vec1 = Float32Array.from([1]);

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function tenantCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const delivery = (tenant: string, deliveryId: string, runId: string) => ({
    tenant,
    path: 'hooks/in',
    deliveryId,
    runId,
    createdAt: at(1),
  });

  /** Tenant t1 with two versions of a workflow, a run, a schedule, a delivery, a credential, a key. */
  const seed = async () => {
    for (const hash of ['h1', 'h2']) {
      await store.saveWorkflow({ tenant: 't1', definition: definition('wf'), source: '', hash });
    }
    await store.commit([
      makeWrite(makeRun('r1', { seq: 2 }), { nodes: [makeNode('r1', 'a')], events: events(1, 2) }),
    ]);
    await store.replaceSchedules('t1', 'wf', [
      { triggerIndex: 0, schedule: '* * * * *', nextDue: 5 },
    ]);
    await store.recordDelivery(delivery('t1', 'd1', 'r1'));
    await store.recordDelivery(delivery('t1', 'd2', 'r1'));
    await store.putCredential({
      tenant: 't1',
      name: 'api',
      type: 'bearer',
      ciphertext: 'c1',
      at: at(1),
    });
    await store.createApiKey({
      id: 'k1',
      tenant: 't1',
      hash: 'a'.repeat(64),
      prefix: 'wft_x',
      createdAt: at(1),
    });
  };

  describe('moveTenant', () => {
    it('gives workflows, runs, schedules, deliveries and credentials to the other tenant', async () => {
      await seed();
      // t2 has seen delivery d1 already: it stays t2's, and t1's record of it goes.
      await store.recordDelivery(delivery('t2', 'd1', 'other'));
      const moved = await store.moveTenant('t1', 't2', [
        { name: 'api', type: 'bearer', ciphertext: 'c2' },
      ]);
      expect(moved).toEqual({ workflows: 1, runs: 1, schedules: 1, credentials: 1 });
      expect((await store.getWorkflow('t2', 'wf', 1))?.hash).toBe('h1');
      expect(await store.latestWorkflowVersion('t2', 'wf')).toBe(2);
      expect(await store.getWorkflow('t1', 'wf', 1, { includeDeleted: true })).toBeUndefined();
      const loaded = await store.loadRun('r1');
      expect(loaded?.run.tenant).toBe('t2');
      expect(loaded?.nodes).toHaveLength(1);
      expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 2));
      expect((await store.listRuns({ tenant: 't1' })).runs).toEqual([]);
      expect((await store.listSchedules('t2')).map((s) => s.workflowId)).toEqual(['wf']);
      expect(await store.listSchedules('t1')).toEqual([]);
      expect(await store.findDelivery('t2', 'hooks/in', 'd1')).toBe('other');
      expect(await store.findDelivery('t2', 'hooks/in', 'd2')).toBe('r1');
      expect(await store.findDelivery('t1', 'hooks/in', 'd2')).toBeUndefined();
      expect(await store.getCredential('t2', 'api')).toMatchObject({ ciphertext: 'c2' });
      expect(await store.getCredential('t1', 'api')).toBeUndefined();
      expect((await store.listApiKeys('t1')).map((k) => k.id)).toEqual(['k1']);
    });

    it('moves nothing when the other tenant has a workflow or credential of the same name', async () => {
      await seed();
      await store.saveWorkflow({
        tenant: 't2',
        definition: definition('wf'),
        source: '',
        hash: 'x',
      });
      await store.putCredential({
        tenant: 't2',
        name: 'api',
        type: 'bearer',
        ciphertext: 'z',
        at: at(1),
      });
      await expect(
        store.moveTenant('t1', 't2', [{ name: 'api', type: 'bearer', ciphertext: 'c2' }]),
      ).rejects.toMatchObject({
        code: 'invalid_state',
        message: expect.stringContaining('workflows "wf" and credentials "api"'),
      });
      expect((await store.getRun('r1'))?.tenant).toBe('t1');
      expect(await store.getCredential('t1', 'api')).toMatchObject({ ciphertext: 'c1' });
    });

    it('gives memory sessions and knowledge collections to the other tenant', async () => {
      const message = { role: 'user', content: 'hello' };
      await store.appendMemory('t1', 'chat', [message], at(1));
      await store.addKnowledge('t1', 'docs', [{ text: 'a', embedding: vec1 }], at(1));
      await store.moveTenant('t1', 't2', []);
      expect(await store.readMemory('t2', 'chat')).toEqual([message]);
      expect(await store.readMemory('t1', 'chat')).toEqual([]);
      expect(await store.knowledgeCollection('t2', 'docs')).toMatchObject({ chunks: 1 });
      expect(await store.knowledgeCollection('t1', 'docs')).toBeUndefined();
      const q = { embedding: vec1, topK: 1, keywords: 'a' };
      expect((await store.queryKnowledge('t2', 'docs', q)).map((m) => m.text)).toEqual(['a']);
      expect(await store.queryKnowledge('t1', 'docs', q)).toEqual([]);
    });

    it('moves nothing when the other tenant has a memory session or collection of the same name', async () => {
      await store.appendMemory('t1', 'chat', [{ role: 'user', content: 'a' }], at(1));
      await store.appendMemory('t2', 'chat', [{ role: 'user', content: 'b' }], at(1));
      await store.addKnowledge('t1', 'docs', [{ text: 'a', embedding: vec1 }], at(1));
      await store.addKnowledge('t2', 'docs', [{ text: 'b', embedding: vec1 }], at(1));
      await expect(store.moveTenant('t1', 't2', [])).rejects.toMatchObject({
        code: 'invalid_state',
        message: expect.stringContaining('memory sessions "chat" and knowledge collections "docs"'),
      });
      expect(await store.readMemory('t1', 'chat')).toHaveLength(1);
      expect(await store.knowledgeCollection('t1', 'docs')).toMatchObject({ chunks: 1 });
    });

    it('moves nothing when the credentials given are not exactly the tenant’s', async () => {
      await seed();
      for (const given of [[], [{ name: 'other', type: 'bearer', ciphertext: 'c2' }]]) {
        await expect(store.moveTenant('t1', 't2', given)).rejects.toMatchObject({
          code: 'invalid_state',
        });
      }
      await expect(
        store.moveTenant('t1', 't2', [{ name: 'api', type: 'basic', ciphertext: 'c2' }]),
      ).rejects.toMatchObject({ code: 'invalid_state' });
      expect((await store.getRun('r1'))?.tenant).toBe('t1');
      expect(await store.getWorkflow('t2', 'wf')).toBeUndefined();
      expect(await store.listSchedules('t2')).toEqual([]);
    });
  });
}
