/** Deleting finished runs, one or by a prune; unfinished ones and another tenant's stay. */
import { expect, it } from 'vitest';
import type { WeftClient } from '@weft/core/client';
import type { World } from '../client-contract.js';
import { ask, broken, codeOf, hello, publishAll } from './fixtures.js';

const ids = async (client: WeftClient) =>
  (await client.runs.list({ limit: 1000 })).runs.map((r) => r.id).sort();

export function retentionCases(world: World): void {
  it('deletes a finished run: gone from every answer; another tenant cannot', async () => {
    const acme = world().client('acme');
    const globex = world().client('globex');
    await publishAll(acme, hello);
    const { run } = await acme.runs.run('hello', { input: { name: 'Ada' } });
    const { run: kept } = await acme.runs.run('hello', { input: { name: 'Bob' } });
    expect(await codeOf(globex.runs.delete(run.id))).toBe('not_found');
    expect((await acme.runs.get(run.id)).status).toBe('succeeded');

    await acme.runs.delete(run.id);
    expect(await codeOf(acme.runs.get(run.id))).toBe('not_found');
    expect(await codeOf(acme.runs.head(run.id))).toBe('not_found');
    expect(await codeOf(acme.runs.eventPage(run.id))).toBe('not_found');
    expect(await ids(acme)).toEqual([kept.id]);
    expect(await codeOf(acme.runs.delete(run.id))).toBe('not_found');
    expect((await acme.runs.get(kept.id)).output).toBeDefined();
  });

  it('refuses to delete a run that is not finished, and keeps it', async () => {
    const acme = world().client('acme');
    await publishAll(acme, ask);
    const { run } = await acme.runs.run('ask');
    expect(run.status).toBe('waiting');
    expect(await codeOf(acme.runs.delete(run.id))).toBe('invalid_state');
    expect((await acme.runs.get(run.id)).status).toBe('waiting');
    await acme.runs.cancel(run.id);
    await acme.runs.delete(run.id);
    expect(await ids(acme)).toEqual([]);
  });

  it("prunes the tenant's finished runs only, by status and workflow", async () => {
    const acme = world().client('acme');
    const globex = world().client('globex');
    await publishAll(acme, hello, broken, ask);
    await publishAll(globex, hello);
    const ok = (await acme.runs.run('hello')).run.id;
    const failed = (await acme.runs.run('broken')).run.id;
    const waiting = (await acme.runs.run('ask')).run.id;
    const theirs = (await globex.runs.run('hello')).run.id;

    expect(await acme.runs.prune({ olderThanMs: 0, status: 'failed' })).toEqual({ deleted: 1 });
    expect(await ids(acme)).toEqual([ok, waiting].sort());
    expect(await acme.runs.prune({ olderThanMs: 0, workflow: 'ask' })).toEqual({ deleted: 0 });
    // Finished a moment ago: not older than a day.
    expect(await acme.runs.prune({ olderThanMs: 86_400_000 })).toEqual({ deleted: 0 });
    expect(await acme.runs.prune({ olderThanMs: 0 })).toEqual({ deleted: 1 });
    expect(await ids(acme)).toEqual([waiting]);
    expect(await ids(globex)).toEqual([theirs]);
    expect(await codeOf(acme.runs.get(failed))).toBe('not_found');
  });

  it('refuses a prune with a bad age or an unfinished status', async () => {
    const acme = world().client('acme');
    expect(await codeOf(acme.runs.prune({ olderThanMs: -1 }))).toBe('invalid_request');
    const running = { olderThanMs: 0, status: 'running' } as unknown as Parameters<
      WeftClient['runs']['prune']
    >[0];
    expect(await codeOf(acme.runs.prune(running))).toBe('invalid_request');
  });
}
