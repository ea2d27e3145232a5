/** Runs: start, wait, read, list with filters; another tenant's are not found. */
import { expect, it } from 'vitest';
import type { World } from '../client-contract.js';
import { ask, broken, calm, codeOf, hello, publishAll, slow } from './fixtures.js';

export function runCases(world: World): void {
  it('starts a run and waits for it; reads it with its nodes', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello);
    const started = await acme.runs.start('hello', { input: { name: 'Ada' } });
    expect(started.id).toMatch(/^[0-9a-f-]{36}$/);
    const { run, settled } = await acme.runs.wait(started.id);
    expect(settled).toBe(true);
    expect(run).toMatchObject({
      id: started.id,
      workflow: 'hello',
      version: 1,
      status: 'succeeded',
      input: { name: 'Ada' },
      error: null,
      nodes: { greet: { status: 'succeeded', attempts: 1, output: { text: 'Hello, Ada' } } },
    });
    expect(await acme.runs.get(started.id)).toEqual(run);
    const head = await acme.runs.head(started.id);
    const { nodes: _nodes, ...summary } = run;
    expect(head.run).toEqual(summary);
    expect(head.seq).toBeGreaterThan(0);
  });

  it('refuses an input nested past what JSON can be written for, naming it; stores nothing', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello);
    // JSON.parse builds such a value without recursing (an input file can hold one).
    const deep: unknown = JSON.parse('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
    const refused = acme.runs.start('hello', { input: deep });
    await expect(refused).rejects.toThrow(/nest/);
    // In process the engine's input check answers; over HTTP the client cannot write the body.
    expect(['invalid_input', 'invalid_request']).toContain(await codeOf(refused));
    expect((await acme.runs.list({ workflow: 'hello' })).runs).toEqual([]);
    expect((await acme.runs.run('hello', { input: { name: 'Al' } })).run.status).toBe('succeeded');
  });

  it('run() starts and waits; a bounded wait answers the run as it is', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello, slow);
    const done = await acme.runs.run('hello', { input: { name: 'Bo' } });
    expect(done.settled).toBe(true);
    expect(done.run.nodes['greet']?.output).toEqual({ text: 'Hello, Bo' });
    const cut = await acme.runs.run('slow', { timeoutMs: 100 });
    expect(cut.settled).toBe(false);
    expect(cut.run.status).toBe('waiting');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const stopped = await acme.runs.wait(cut.run.id, { signal: stop.signal });
    expect(stopped).toMatchObject({ settled: false, run: { id: cut.run.id } });
  });

  it('run() of a debounced workflow waits for the run to be made, or says when it will be', async () => {
    const acme = world().client('acme');
    await publishAll(acme, calm);
    const done = await acme.runs.run('calm', { input: { name: 'Di' }, timeoutMs: 10_000 });
    expect(done.settled).toBe(true);
    expect(done.run).toMatchObject({ status: 'succeeded', input: { name: 'Di' } });
    const early = await codeOf(acme.runs.run('calm', { input: { name: 'Ed' }, timeoutMs: 20 }));
    expect(early).toBe('timeout');
  });

  it('refuses input that does not fit, and unknown workflows and versions', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello);
    expect(await codeOf(acme.runs.start('hello', { input: { name: 42 } }))).toBe('invalid_input');
    expect(await codeOf(acme.runs.start('nope'))).toBe('not_found');
    expect(await codeOf(acme.runs.start('hello', { version: 9 }))).toBe('not_found');
    expect(await codeOf(acme.runs.get('0196f0c2-7d1e-7000-8000-000000000000'))).toBe('not_found');
  });

  it('an idempotency key starts one run', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello);
    const a = await acme.runs.start('hello', { idempotencyKey: 'k1' });
    const b = await acme.runs.start('hello', { idempotencyKey: 'k1' });
    expect(b.id).toBe(a.id);
  });

  it('lists runs newest first, by workflow and status, a page at a time', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello, broken);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await acme.runs.run('hello')).run.id);
    const failed = (await acme.runs.run('broken')).run;
    expect(failed.status).toBe('failed');
    const all = await acme.runs.list();
    expect(all.runs.map((r) => r.id)).toEqual([failed.id, ...ids.reverse()]);
    expect(all.cursor).toBeUndefined();
    expect('nodes' in (all.runs[0] ?? {})).toBe(false);
    expect((await acme.runs.list({ workflow: 'broken' })).runs.map((r) => r.id)).toEqual([
      failed.id,
    ]);
    expect((await acme.runs.list({ status: 'succeeded' })).runs).toHaveLength(3);
    const first = await acme.runs.list({ limit: 2 });
    expect(first.runs).toHaveLength(2);
    const rest = await acme.runs.list({ limit: 2, cursor: first.cursor! });
    expect([...first.runs, ...rest.runs].map((r) => r.id)).toEqual(all.runs.map((r) => r.id));
    expect(await codeOf(acme.runs.list({ cursor: 'not-a-cursor' }))).toBe('invalid_cursor');
  });

  it("tenant B cannot see, wait on, follow or move tenant A's run", async () => {
    const acme = world().client('acme');
    const globex = world().client('globex');
    await publishAll(acme, ask);
    const { id } = await acme.runs.start('ask');
    await acme.runs.wait(id);
    expect((await globex.runs.list()).runs).toEqual([]);
    // Made one at a time: a rejection nobody awaits yet would be reported as unhandled.
    const calls: (() => Promise<unknown>)[] = [
      () => globex.runs.get(id),
      () => globex.runs.head(id),
      () => globex.runs.wait(id),
      () => globex.runs.eventPage(id),
      async () => {
        for await (const _e of globex.runs.events(id)) break;
      },
      () => globex.runs.pause(id),
      () => globex.runs.resume(id),
      () => globex.runs.cancel(id),
      () => globex.runs.retry(id),
      () => globex.runs.input(id, 'approve', { ok: true }),
      () => globex.runs.waitingForAnswer(id),
      () => globex.runs.send(id, { type: 'GO' }),
    ];
    for (const call of calls) expect(await codeOf(call())).toBe('not_found');
    expect((await acme.runs.get(id)).status).toBe('waiting');
  });
}
