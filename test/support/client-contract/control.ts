/** Steering: pause, resume, cancel, retry (from a node), human answers; illegal moves. */
import { expect, it } from 'vitest';
import type { World } from '../client-contract.js';
import { ask, broken, codeOf, publishAll, slow } from './fixtures.js';

export function controlCases(world: World): void {
  it('pauses, resumes and cancels a run; an illegal move is invalid_state', async () => {
    const acme = world().client('acme');
    await publishAll(acme, slow);
    const { id } = await acme.runs.start('slow');
    await acme.runs.wait(id, { timeoutMs: 50 });
    expect((await acme.runs.pause(id)).status).toBe('paused');
    expect((await acme.runs.wait(id)).run.status).toBe('paused');
    expect(await codeOf(acme.runs.pause(id))).toBe('invalid_state');
    expect((await acme.runs.resume(id)).status).not.toBe('paused');
    expect(await codeOf(acme.runs.resume(id))).toBe('invalid_state');
    const cancelled = await acme.runs.cancel(id, { reason: 'enough' });
    expect(cancelled.status).toBe('cancelled');
    expect(await codeOf(acme.runs.cancel(id))).toBe('invalid_state');
  });

  it('retries a failed run, and re-runs it from a node on', async () => {
    const acme = world().client('acme');
    await publishAll(acme, broken);
    const { run } = await acme.runs.run('broken');
    expect(run.status).toBe('failed');
    expect(run.nodes['second']?.status).toBe('failed');
    await acme.runs.retry(run.id);
    const again = (await acme.runs.wait(run.id)).run;
    expect(again.status).toBe('failed');
    expect(again.nodes['second']?.attempts).toBe(2);
    expect(again.nodes['first']?.attempts).toBe(1);
    await acme.runs.retry(run.id, { from: 'first' });
    const from = (await acme.runs.wait(run.id)).run;
    expect(from.nodes['first']?.attempts).toBe(2);
    expect(await codeOf(acme.runs.retry(run.id, { from: 'nope' }))).toBe('invalid_request');
    expect(await codeOf(acme.runs.send(run.id, { type: 'GO' }))).toBe('invalid_state');
  });

  it('answers a human node: waitingForAnswer names it, bad answers are refused', async () => {
    const acme = world().client('acme');
    await publishAll(acme, ask);
    const { run } = await acme.runs.run('ask');
    expect(run.status).toBe('waiting');
    expect(await acme.runs.waitingForAnswer(run.id)).toEqual(['approve']);
    expect(await codeOf(acme.runs.input(run.id, 'approve', { ok: 'yes' }))).toBe('invalid_answer');
    expect(await codeOf(acme.runs.input(run.id, 'nope', { ok: true }))).toBe('invalid_request');
    await acme.runs.input(run.id, 'approve', { ok: true });
    const done = (await acme.runs.wait(run.id)).run;
    expect(done.status).toBe('succeeded');
    expect(done.nodes['approve']?.output).toEqual({ ok: true });
    expect(await acme.runs.waitingForAnswer(run.id)).toEqual([]);
  });

  it('keeps credentials per tenant, never answering a value', async () => {
    const acme = world().client('acme');
    const globex = world().client('globex');
    const put = await acme.credentials.put('gh', { type: 'bearer', value: 'tok-secret-1' });
    expect(put).toMatchObject({ name: 'gh', type: 'bearer', created: true });
    expect((await acme.credentials.put('gh', { type: 'bearer', value: 'tok-2' })).created).toBe(
      false,
    );
    const list = await acme.credentials.list();
    expect(list.map((c) => c.name)).toEqual(['gh']);
    expect(JSON.stringify(list)).not.toContain('tok-');
    expect(await globex.credentials.list()).toEqual([]);
    expect(await codeOf(globex.credentials.delete('gh'))).toBe('not_found');
    await acme.credentials.delete('gh');
    expect(await acme.credentials.list()).toEqual([]);
  });
}
