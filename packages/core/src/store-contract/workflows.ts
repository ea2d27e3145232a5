/**
 * @module store-contract/workflows
 * Publishing, versions, tenants and deletion of workflow definitions.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, WorkflowDefinition } from '../index.js';
import { makeRun, makeWrite, definition } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function workflowCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const save = (
    tenant: string,
    id: string,
    hash: string,
    fields: Partial<WorkflowDefinition> = {},
  ) =>
    store.saveWorkflow({
      tenant,
      definition: definition(id, fields),
      source: `id: ${id}\n# ${hash}\n`,
      hash,
    });

  describe('workflows', () => {
    it('publishes version 1 and reads back every field', async () => {
      const def = definition('wf', {
        name: 'My flow',
        inputs: { type: 'object', properties: { q: { type: 'string' } } },
        nodes: [
          {
            id: 'a',
            type: 'http',
            with: { url: 'https://example.com', headers: { x: '1' } },
            retry: { max_attempts: 3 },
          },
          { id: 'b', type: 'set', on_error: { return: null }, join: 'any' },
        ],
        edges: [{ from: 'a', port: 'out', to: 'b' }],
      });
      const before = Date.now();
      expect(
        await store.saveWorkflow({
          tenant: 't1',
          definition: def,
          source: 'id: wf\n',
          hash: 'h1',
        }),
      ).toEqual({
        version: 1,
        created: true,
      });
      const got = await store.getWorkflow('t1', 'wf');
      expect(got).toStrictEqual({
        tenant: 't1',
        id: 'wf',
        version: 1,
        definition: def,
        source: 'id: wf\n',
        hash: 'h1',
        createdAt: expect.any(String),
      });
      const created = Date.parse(got?.createdAt ?? '');
      expect(new Date(created).toISOString()).toBe(got?.createdAt);
      expect(created).toBeGreaterThanOrEqual(before - 1000);
    });

    it('returns the latest version for the same hash, and latest + 1 for a new one', async () => {
      expect(await save('t1', 'wf', 'h1')).toEqual({ version: 1, created: true });
      expect(await save('t1', 'wf', 'h1')).toEqual({ version: 1, created: false });
      expect(await save('t1', 'wf', 'h2')).toEqual({ version: 2, created: true });
      // Same content as an older version is still a new version: only the latest is compared.
      expect(await save('t1', 'wf', 'h1')).toEqual({ version: 3, created: true });
      expect(await save('t1', 'wf', 'h1')).toEqual({ version: 3, created: false });
    });

    it('gets a given version or the latest; unknown versions and ids are not found', async () => {
      await save('t1', 'wf', 'h1', { name: 'one' });
      await save('t1', 'wf', 'h2', { name: 'two' });
      expect((await store.getWorkflow('t1', 'wf'))?.definition.name).toBe('two');
      expect((await store.getWorkflow('t1', 'wf', 1))?.definition.name).toBe('one');
      expect((await store.getWorkflow('t1', 'wf', 2))?.hash).toBe('h2');
      expect(await store.getWorkflow('t1', 'wf', 3)).toBeUndefined();
      expect(await store.getWorkflow('t1', 'other')).toBeUndefined();
    });

    it('tells the latest live version number without the definition', async () => {
      expect(await store.latestWorkflowVersion('t1', 'wf')).toBeUndefined();
      await save('t1', 'wf', 'h1');
      await save('t1', 'wf', 'h2');
      expect(await store.latestWorkflowVersion('t1', 'wf')).toBe(2);
      expect(await store.latestWorkflowVersion('t2', 'wf')).toBeUndefined();
      await store.deleteWorkflow('t1', 'wf');
      expect(await store.latestWorkflowVersion('t1', 'wf')).toBeUndefined();
    });

    it('keeps tenants apart', async () => {
      await save('t1', 'wf', 'h1');
      await save('t1', 'wf', 'h2');
      expect(await save('t2', 'wf', 'h2')).toEqual({ version: 1, created: true });
      expect(await store.getWorkflow('t3', 'wf')).toBeUndefined();
      expect((await store.getWorkflow('t2', 'wf'))?.version).toBe(1);
      expect((await store.listWorkflows('t2')).map((w) => [w.id, w.latestVersion])).toEqual([
        ['wf', 1],
      ]);
      expect(await store.listWorkflows('t3')).toEqual([]);
      expect(await store.deleteWorkflow('t2', 'wf')).toBe(true);
      expect((await store.getWorkflow('t1', 'wf'))?.version).toBe(2);
    });

    it('lists summaries by id with the latest name and version and first and last times', async () => {
      await save('t1', 'beta', 'h1', { name: 'Beta one' });
      await save('t1', 'alpha', 'h1');
      await save('t1', 'beta', 'h2', { name: 'Beta two' });
      const list = await store.listWorkflows('t1');
      const v1 = await store.getWorkflow('t1', 'beta', 1);
      const v2 = await store.getWorkflow('t1', 'beta', 2);
      const alpha = await store.getWorkflow('t1', 'alpha');
      expect(list).toStrictEqual([
        {
          id: 'alpha',
          latestVersion: 1,
          createdAt: alpha?.createdAt,
          updatedAt: alpha?.createdAt,
        },
        {
          id: 'beta',
          name: 'Beta two',
          latestVersion: 2,
          createdAt: v1?.createdAt,
          updatedAt: v2?.createdAt,
        },
      ]);
    });

    it('deletes every version and keeps the runs', async () => {
      await save('t1', 'wf', 'h1');
      await save('t1', 'wf', 'h2');
      await store.commit([makeWrite(makeRun('r1', { version: 2 }))]);
      expect(await store.deleteWorkflow('t1', 'wf')).toBe(true);
      expect(await store.getWorkflow('t1', 'wf')).toBeUndefined();
      expect(await store.getWorkflow('t1', 'wf', 1)).toBeUndefined();
      expect(await store.listWorkflows('t1')).toEqual([]);
      expect(await store.deleteWorkflow('t1', 'wf')).toBe(false);
      expect((await store.getRun('r1'))?.version).toBe(2);
    });

    it('never reuses a version number after a delete', async () => {
      await save('t1', 'wf', 'h1');
      await save('t1', 'wf', 'h2');
      await store.deleteWorkflow('t1', 'wf');
      // A run that kept (wf, 2) must never find another definition under that name.
      expect(await save('t1', 'wf', 'h2')).toEqual({ version: 3, created: true });
      expect(await store.getWorkflow('t1', 'wf', 2)).toBeUndefined();
      const [summary] = await store.listWorkflows('t1');
      expect(summary?.latestVersion).toBe(3);
      expect(summary?.createdAt).toBe((await store.getWorkflow('t1', 'wf', 3))?.createdAt);
    });

    it('returns false when deleting a workflow that does not exist', async () => {
      expect(await store.deleteWorkflow('t1', 'nope')).toBe(false);
    });
  });
}
