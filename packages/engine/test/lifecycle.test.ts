/**
 * Run control through the library (issue 3): pause, resume, cancel, retry, retry --from, human
 * answers, and the illegal moves, on a real SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { customCode, defineNode, WeftError, type Engine } from '../src/index.js';
import { eventTypes, openEngine, tempDb, yaml, type ProbeCall } from './helpers.js';

let engine: Engine;
let calls: ProbeCall[];
afterEach(async () => {
  await engine?.close();
});

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const approval = yaml`
id: approval
nodes:
  - id: ask
    type: human
    with:
      prompt: "ok?"
      schema: { type: object, required: [approved], properties: { approved: { type: boolean } } }
  - { id: after, type: probe, needs: [ask], with: { value: "{{ ask.approved }}" } }
`;

describe('human steps', () => {
  it('parks the run, validates the answer and carries on with it as the output', async () => {
    ({ engine, calls } = await openEngine());
    const waiting = await engine.run(approval);
    expect(waiting.status).toBe('waiting');
    expect(waiting.nodes['ask']?.status).toBe('waiting');
    expect(await engine.waitingForAnswer(waiting.id)).toEqual(['ask']);
    await expect(engine.input(waiting.id, 'ask', { approved: 'yes' })).rejects.toThrow(
      /answer to ask is invalid: value\.approved must be boolean/,
    );
    expect((await engine.get(waiting.id))?.status).toBe('waiting');
    await engine.input(waiting.id, 'ask', { approved: true });
    const done = await engine.wait(waiting.id);
    expect(done.status).toBe('succeeded');
    expect(done.nodes['ask']?.output).toEqual({ approved: true });
    expect(done.output).toBe(true);
  });

  it('refuses an answer to a node that is not waiting, or that does not exist', async () => {
    ({ engine, calls } = await openEngine());
    const run = await engine.run(approval);
    await engine.input(run.id, 'ask', { approved: false });
    await engine.wait(run.id);
    await expect(engine.input(run.id, 'ask', { approved: true })).rejects.toThrow(/not waiting/);
    await expect(engine.input(run.id, 'nope', 1)).rejects.toThrow(/no human node "nope"/);
  });

  it('answers a human node inside a foreach by its path, against its own schema', async () => {
    ({ engine, calls } = await openEngine());
    const run = await engine.run(yaml`
id: approve-each
nodes:
  - id: each
    type: foreach
    with: { items: "[1, 2]", concurrency: 2 }
    nodes:
      - id: ask
        type: human
        with:
          prompt: "ok?"
          schema: { type: object, required: [ok], properties: { ok: { type: boolean } } }
`);
    expect(run.status).toBe('waiting');
    expect(await engine.waitingForAnswer(run.id)).toEqual(['each[0].ask', 'each[1].ask']);
    await expect(engine.input(run.id, 'each[0].ask', { ok: 'yes' })).rejects.toMatchObject({
      code: 'invalid_answer',
      message: expect.stringMatching(
        /answer to each\[0\]\.ask is invalid: value\.ok must be boolean/,
      ),
    });
    await expect(engine.input(run.id, 'each[1].ask', {})).rejects.toMatchObject({
      code: 'invalid_answer',
    });
    for (const path of ['ask', 'each.ask', 'each[0].nope', 'nope[0].ask']) {
      await expect(engine.input(run.id, path, { ok: true })).rejects.toMatchObject({
        code: 'not_found',
        message: expect.stringContaining(`no human node "${path}"`),
      });
    }
    expect((await engine.get(run.id))?.status).toBe('waiting');
    await engine.input(run.id, 'each[0].ask', { ok: true });
    await engine.input(run.id, 'each[1].ask', { ok: false });
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual([{ ok: true }, { ok: false }]);
  });

  it('takes the timeout port when no answer comes in time', async () => {
    ({ engine, calls } = await openEngine());
    const run = await engine.run(yaml`
id: slow-human
nodes:
  - { id: ask, type: human, with: { prompt: "?", timeout: 30 } }
  - { id: answered, type: probe, needs: [ask] }
  - { id: expired, type: probe, needs: [{ node: ask, port: timeout }], with: { value: expired } }
`);
    expect(run.status).toBe('waiting');
    const done = await engine.wait(run.id, { until: 'finished' });
    expect(done.status).toBe('succeeded');
    expect(done.nodes['answered']?.status).toBe('skipped');
    expect(done.output).toBe('expired');
  });
});

describe('pause and resume', () => {
  it('starts no new node while paused; running ones finish; resume goes on', async () => {
    ({ engine, calls } = await openEngine());
    const { id } = await engine.start(yaml`
id: pausable
nodes:
  - { id: a, type: probe, with: { delay_ms: 40 } }
  - { id: b, type: probe, needs: [a] }
`);
    await waitFor(() => calls.length === 1);
    await engine.pause(id);
    const paused = await engine.wait(id);
    expect(paused.status).toBe('paused');
    expect(paused.nodes['a']?.status).toBe('succeeded');
    expect(paused.nodes['b']?.status).toBe('pending');
    expect(calls.map((c) => c.path)).toEqual(['a']);
    await expect(engine.pause(id)).rejects.toThrow(/already paused/);
    await engine.resume(id);
    const done = await engine.wait(id);
    expect(done.status).toBe('succeeded');
    expect(calls.map((c) => c.path)).toEqual(['a', 'b']);
    const types = await eventTypes(engine, id);
    expect(types).toContain('run.paused');
    expect(types).toContain('run.resumed');
  });

  it('refuses to resume a run that is not paused', async () => {
    ({ engine, calls } = await openEngine());
    const run = await engine.run(`id: quick\nnodes:\n  - { id: a, type: probe }\n`);
    await expect(engine.resume(run.id)).rejects.toThrow(/run is succeeded, not paused/);
  });

  it('a run that finishes while paused stays finished: resume, cancel and retry are refused (issue #9)', async () => {
    ({ engine, calls } = await openEngine());
    const { id } = await engine.start(yaml`
id: last-node-paused
nodes:
  - { id: only, type: probe, with: { delay_ms: 40, value: done } }
`);
    await waitFor(() => calls.length === 1);
    await engine.pause(id);
    const finished = await engine.wait(id, { until: 'finished' });
    expect(finished.status).toBe('succeeded');
    expect(finished.output).toBe('done');
    await expect(engine.resume(id)).rejects.toMatchObject({
      code: 'invalid_state',
      message: expect.stringMatching(/run is succeeded, not paused/),
    });
    await expect(engine.cancel(id)).rejects.toThrow(/only an unfinished run can be cancelled/);
    await expect(engine.retry(id)).rejects.toThrow(/only a failed or cancelled run/);
    const after = await engine.get(id);
    expect(after?.status).toBe('succeeded');
    expect(after?.output).toBe('done');
    const types = await eventTypes(engine, id);
    expect(types).toEqual([
      'run.started',
      'node.started',
      'run.paused',
      'node.succeeded',
      'run.succeeded',
    ]);
  });

  it('a wait that ends while the run is paused finishes the run, and resume is refused', async () => {
    ({ engine, calls } = await openEngine());
    const { id } = await engine.start(yaml`
id: wait-paused
nodes:
  - { id: nap, type: wait, with: { duration: PT0.05S } }
`);
    await engine.pause(id);
    const finished = await engine.wait(id, { until: 'finished' });
    expect(finished.status).toBe('succeeded');
    await expect(engine.resume(id)).rejects.toThrow(/run is succeeded, not paused/);
    expect((await engine.get(id))?.status).toBe('succeeded');
    const types = await eventTypes(engine, id);
    expect(types.at(-1)).toBe('run.succeeded');
    expect(types).not.toContain('run.resumed');
  });
});

describe('cancel', () => {
  it('aborts running nodes through their signal and ends waits', async () => {
    ({ engine, calls } = await openEngine());
    const { id } = await engine.start(yaml`
id: cancellable
nodes:
  - { id: stuck, type: probe, with: { hang: true } }
  - { id: sleeping, type: wait, with: { duration: PT1H } }
  - { id: never, type: probe, needs: [stuck, sleeping] }
`);
    await waitFor(() => calls.length === 1);
    await engine.cancel(id, 'changed my mind');
    const run = await engine.wait(id);
    expect(run.status).toBe('cancelled');
    expect(run.nodes['stuck']?.status).toBe('cancelled');
    expect(run.nodes['sleeping']?.status).toBe('cancelled');
    expect(run.nodes['never']?.status).toBe('pending');
    await expect(engine.cancel(id)).rejects.toThrow(/only an unfinished run can be cancelled/);
  });
});

describe('retry', () => {
  const flaky = yaml`
id: flaky-chain
nodes:
  - { id: first, type: probe, with: { value: 1 } }
  - { id: shaky, type: probe, needs: [first], with: { fail_times: 1, retryable: false, value: 2 } }
  - { id: last, type: probe, needs: [shaky], with: { value: "{{ first + shaky }}" } }
`;

  it('a failed run goes on: succeeded nodes keep their outputs, failed and downstream run again', async () => {
    ({ engine, calls } = await openEngine());
    const failed = await engine.run(flaky);
    expect(failed.status).toBe('failed');
    await engine.retry(failed.id);
    const done = await engine.wait(failed.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe(3);
    expect(calls.map((c) => `${c.path}#${c.attempt}`)).toEqual([
      'first#1',
      'shaky#1',
      'shaky#2',
      'last#1',
    ]);
    expect(await eventTypes(engine, failed.id)).toContain('run.retried');
  });

  it('retry --from re-runs that node and everything downstream, keeping upstream outputs', async () => {
    ({ engine, calls } = await openEngine());
    const run = await engine.run(yaml`
id: from
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: b, type: probe, needs: [a], with: { value: 2 } }
  - { id: c, type: probe, needs: [b], with: { value: 3 } }
  - { id: side, type: probe, needs: [a], with: { value: 4 } }
`);
    expect(run.status).toBe('succeeded');
    await engine.retry(run.id, { from: 'b' });
    const again = await engine.wait(run.id);
    expect(again.status).toBe('succeeded');
    expect(calls.map((c) => c.path)).toEqual(['a', 'b', 'side', 'c', 'b', 'c']);
    expect(again.nodes['a']?.attempts).toBe(1);
    expect(again.nodes['b']?.attempts).toBe(2);
    expect(calls.filter((c) => c.path === 'b').map((c) => c.key)).toEqual([
      `${run.id}:b`,
      `${run.id}:b`,
    ]);
    const seqs: number[] = [];
    for await (const e of engine.events(run.id, { follow: false })) seqs.push(e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('keeps each attempt in the event log as it was emitted, after retries reset its rows', async () => {
    ({ engine, calls } = await openEngine());
    const emitted: unknown[] = [];
    engine.onEvents((events) => emitted.push(...events.map((e) => JSON.stringify(e))));
    const run = await engine.run(yaml`
id: attempts
nodes:
  - id: each
    type: foreach
    with: { items: "[1, 2]" }
    nodes:
      - { id: w, type: probe, with: { value: "{{ { 'item': item, 'attempt': run.attempt } }}" } }
  - { id: b, type: probe, needs: [each], with: { value: "{{ { 'b': run.attempt } }}" } }
`);
    expect(run.status).toBe('succeeded');
    await engine.retry(run.id, { from: 'each' });
    await engine.wait(run.id);
    await engine.retry(run.id, { from: 'b' });
    const done = await engine.wait(run.id);
    expect(done.output).toEqual({ b: 3 });
    const stored: unknown[] = [];
    for await (const e of engine.events(run.id, { follow: false })) stored.push(JSON.stringify(e));
    expect(stored).toEqual(emitted);
    const outputs = stored.filter((e) => String(e).includes('"run.succeeded"'));
    expect(outputs).toHaveLength(3);
  });

  it('refuses illegal retries', async () => {
    ({ engine, calls } = await openEngine());
    const ok = await engine.run(`id: fine\nnodes:\n  - { id: a, type: probe }\n`);
    await expect(engine.retry(ok.id)).rejects.toThrow(
      /only a failed or cancelled run can be retried/,
    );
    await expect(engine.retry(ok.id, { from: 'zz' })).rejects.toThrow(/no top-level node "zz"/);
    const waiting = await engine.run(approval);
    await expect(engine.retry(waiting.id, { from: 'ask' })).rejects.toThrow(/needs a finished run/);
  });

  it('a retried foreach runs its whole body again', async () => {
    ({ engine, calls } = await openEngine());
    const run = await engine.run(yaml`
id: each-retry
nodes:
  - id: each
    type: foreach
    with: { items: "[1, 2]" }
    nodes:
      - { id: w, type: probe, with: { fail_times: "{{ item = 2 ? 1 : 0 }}", retryable: false, value: "{{ item }}" } }
`);
    expect(run.status).toBe('failed');
    await engine.retry(run.id);
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual([1, 2]);
  });

  it('a retried subworkflow node starts a new child run instead of taking the failed one back', async () => {
    let broken = true;
    const gate = defineNode({
      type: 'gate',
      description: 'fails while the test says the service is broken',
      params: z.object({}),
      run: () => {
        if (broken) throw new WeftError(customCode('gate_closed'), 'broken', { retryable: false });
        return { passed: true };
      },
    });
    ({ engine, calls } = await openEngine({ nodes: [gate] }));
    await engine.publish(`id: gated\nnodes:\n  - { id: g, type: gate }\n`);
    const parent = yaml`
id: calls-gated
nodes:
  - { id: sub, type: subworkflow, with: { workflow: gated } }
`;
    const run = await engine.run(parent);
    expect(run.status).toBe('failed');
    const firstChild = run.nodes['sub']?.child_run_id;
    broken = false;
    await engine.retry(run.id);
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ passed: true });
    const secondChild = done.nodes['sub']?.child_run_id;
    expect(secondChild).toBeDefined();
    expect(secondChild).not.toBe(firstChild);
    // The first child stays as it ended.
    expect((await engine.get(firstChild!))?.status).toBe('failed');

    // retry --from a succeeded subworkflow node runs the child workflow again too.
    await engine.retry(run.id, { from: 'sub' });
    const third = await engine.wait(run.id);
    expect(third.status).toBe('succeeded');
    expect(new Set([firstChild, secondChild, third.nodes['sub']?.child_run_id]).size).toBe(3);
  });
});

describe('events', () => {
  it('replays stored events and follows live ones without gaps or duplicates', async () => {
    ({ engine, calls } = await openEngine());
    const { id } = await engine.start(yaml`
id: live
nodes:
  - { id: a, type: probe, with: { delay_ms: 20 } }
  - { id: b, type: probe, needs: [a], with: { delay_ms: 20 } }
`);
    const seen: number[] = [];
    for await (const e of engine.events(id, { after: 1 })) seen.push(e.seq);
    expect(seen[0]).toBe(2);
    expect(seen).toEqual(seen.map((_, i) => i + 2));
    const stored: string[] = [];
    for await (const e of engine.events(id)) stored.push(e.type);
    expect(stored.at(-1)).toBe('run.succeeded');
  });
});

describe('versions', () => {
  it('a run keeps the version it started with; publishing the same content keeps the version', async () => {
    ({ engine, calls } = await openEngine());
    const v1 = await engine.publish(
      `id: versioned\nnodes:\n  - { id: a, type: probe, with: { value: one } }\n`,
    );
    const same = await engine.publish(
      `id: versioned\nnodes:\n  - { id: a, type: probe, with: { value: one } }\n`,
    );
    expect(same).toEqual({ ...v1, created: false });
    const { id } = await engine.start('versioned', {});
    const v2 = await engine.publish(
      `id: versioned\nnodes:\n  - { id: a, type: probe, with: { value: two } }\n`,
    );
    expect(v2.version).toBe(v1.version + 1);
    expect((await engine.wait(id)).output).toBe('one');
    expect((await engine.run('versioned')).output).toBe('two');
    expect((await engine.run('versioned', { version: v1.version })).output).toBe('one');
  });
});

describe('drain', () => {
  it('lets running nodes finish, starts no new one, and the next start carries the run on', async () => {
    const db = tempDb();
    ({ engine, calls } = await openEngine({ db }));
    const { id } = await engine.start(yaml`
id: drained
nodes:
  - { id: a, type: probe, with: { delay_ms: 60 } }
  - { id: b, type: probe, needs: [a], with: { value: done } }
`);
    await waitFor(() => calls.length === 1);
    expect(await engine.drain(5_000)).toBe(true);
    expect(calls.map((c) => c.path)).toEqual(['a']);
    await engine.close();
    ({ engine } = await openEngine({ db, calls }));
    const run = await engine.wait(id);
    expect(run.status).toBe('succeeded');
    expect(calls.map((c) => c.path)).toEqual(['a', 'b']);
  });
});
