/**
 * Durable sub-steps (issue 11, item 1): `ctx.step` results are recorded and replayed to executions
 * of the node that run again (a retry, an answer to `ctx.ask`, a restart), and `ctx.ask` parks the
 * node until an answer is posted through the same input API as a `human` node's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { customCode, defineNode, Engine, WeftError } from '../src/index.js';
import { openSqliteStore } from '@weft/store-sqlite';
import { eventTypes, tempDb, yaml } from './helpers.js';

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
});

/** Counts each step call by `<run>:<step name>`, across engines of this test process. */
let ran: Map<string, number>;

const count = (key: string) => ran.set(key, (ran.get(key) ?? 0) + 1);

/**
 * `steps` sequential sub-steps; the first execution fails after `fail_after` of them (retryable);
 * with `ask`, it asks for an approval after the first step and records the answer's effect.
 */
const stepper = defineNode({
  type: 'stepper',
  description: 'numbered durable sub-steps',
  params: z.object({
    steps: z.number(),
    fail_after: z.number().optional(),
    ask: z.boolean().optional(),
    parallel: z.boolean().optional(),
  }),
  run: async (ctx, p) => {
    const results: unknown[] = [];
    if (p.parallel === true) {
      // The second finishes first: both are recorded whatever the order they report in.
      const slow = ctx.step('slow', async () => {
        count(`${ctx.runId}:slow`);
        await new Promise((r) => setTimeout(r, 30));
        return 'slow';
      });
      const fast = ctx.step('fast', () => {
        count(`${ctx.runId}:fast`);
        return 'fast';
      });
      results.push(...(await Promise.all([slow, fast])));
    }
    for (let i = 0; i < p.steps; i++) {
      results.push(
        await ctx.step(`s${i}`, () => {
          count(`${ctx.runId}:s${i}`);
          return { i, at: new Date(0) };
        }),
      );
      if (p.ask === true && i === 0) {
        const answer = (await ctx.ask('approve', {
          prompt: 'go on?',
          schema: {
            type: 'object',
            required: ['ok'],
            properties: { ok: { type: 'boolean' } },
          },
        })) as { ok: boolean };
        if (!answer.ok) return { rejected: true, results };
      }
      if (p.fail_after !== undefined && ctx.attempt === 1 && i + 1 === p.fail_after) {
        throw new WeftError(customCode('flaky'), 'fails once', { retryable: true });
      }
    }
    return { results };
  },
});

async function open(db = ':memory:') {
  const engine = await Engine.open({ db, nodes: [stepper] });
  engines.push(engine);
  return engine;
}

const workflow = (params: string) => yaml`
id: steps
nodes:
  - id: work
    type: stepper
    retry: { max_attempts: 3, backoff: fixed, initial_ms: 1 }
    with: ${params}
`;

describe('ctx.step', () => {
  it('replays recorded steps to a retried attempt instead of calling them again', async () => {
    ran = new Map();
    const engine = await open();
    const run = await engine.run(workflow('{ steps: 4, fail_after: 2 }'));
    expect(run.status).toBe('succeeded');
    expect(run.nodes['work']?.attempts).toBe(2);
    for (const s of ['s0', 's1', 's2', 's3']) expect(ran.get(`${run.id}:${s}`)).toBe(1);
    // A replayed result is the stored JSON, as the first execution returned it.
    expect(run.output).toEqual({
      results: [0, 1, 2, 3].map((i) => ({ i, at: '1970-01-01T00:00:00.000Z' })),
    });
    const steps = [];
    for await (const e of engine.events(run.id, { follow: false })) {
      if (e.type === 'node.step') steps.push([e.data.index, e.data.name]);
    }
    expect(steps).toEqual([
      [0, 's0'],
      [1, 's1'],
      [2, 's2'],
      [3, 's3'],
    ]);
  });

  it('records parallel steps that report out of order, and replays both', async () => {
    ran = new Map();
    const engine = await open();
    const run = await engine.run(workflow('{ steps: 1, fail_after: 1, parallel: true }'));
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({ results: ['slow', 'fast', { i: 0 }] });
    expect(ran.get(`${run.id}:slow`)).toBe(1);
    expect(ran.get(`${run.id}:fast`)).toBe(1);
  });

  it('starts afresh when the run is retried from the node', async () => {
    ran = new Map();
    const engine = await open();
    const wf = yaml`
id: fresh
nodes:
  - { id: work, type: stepper, with: { steps: 2 } }
  - { id: stop, type: fail, needs: [work], with: { code: Stop, message: stop } }
`;
    const failed = await engine.run(wf);
    expect(failed.status).toBe('failed');
    await engine.retry(failed.id, { from: 'work' });
    await engine.wait(failed.id);
    expect(ran.get(`${failed.id}:s0`)).toBe(2);
  });

  it('refuses a step name outside the bounds', async () => {
    const engine = await open();
    const bad = defineNode({
      type: 'badstep',
      description: 'a step with an empty name',
      params: z.object({}),
      run: (ctx) => ctx.step('', () => 1),
    });
    const other = await Engine.open({ db: ':memory:', nodes: [bad] });
    engines.push(other);
    const run = await other.run('id: b\nnodes:\n  - { id: x, type: badstep }\n');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'invalid_step' });
    void engine;
  });
});

describe('a node whose steps are loading', () => {
  it('does not begin once its run is cancelled meanwhile', async () => {
    ran = new Map();
    const store = await openSqliteStore({ path: ':memory:' });
    let reads = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The second execution's read of the recorded steps waits until the cancel has landed.
    const readEvents = store.readEvents.bind(store);
    store.readEvents = async (...args) => {
      if (++reads === 1) await held;
      return readEvents(...args);
    };
    const engine = await Engine.open({ store, nodes: [stepper] });
    engines.push(engine);
    const { id } = await engine.start(workflow('{ steps: 3, fail_after: 1 }'));
    const t0 = Date.now();
    while (reads === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    expect(reads).toBe(1);
    await engine.cancel(id);
    release();
    const done = await engine.wait(id);
    expect(done.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 50));
    // s0 ran once (the first execution); the second never began, so s1 never ran.
    expect(ran.get(`${id}:s0`)).toBe(1);
    expect(ran.get(`${id}:s1`)).toBeUndefined();
    await engine.close();
    await store.close();
    engines = engines.filter((e) => e !== engine);
  });
});

describe('ctx.ask', () => {
  it('parks the node, validates the answer, and runs it again without repeating its steps', async () => {
    ran = new Map();
    const engine = await open();
    const run = await engine.run(workflow('{ steps: 3, ask: true }'));
    expect(run.status).toBe('waiting');
    expect(run.nodes['work']?.status).toBe('waiting');
    expect(await engine.waitingForAnswer(run.id)).toEqual(['work']);
    await expect(engine.input(run.id, 'work', { ok: 'yes' })).rejects.toMatchObject({
      code: 'invalid_answer',
    });
    await engine.input(run.id, 'work', { ok: true });
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(ran.get(`${run.id}:s0`)).toBe(1);
    expect(ran.get(`${run.id}:s2`)).toBe(1);
    expect((done.output as { results: unknown[] }).results).toHaveLength(3);
    expect(await eventTypes(engine, run.id, 'work')).toEqual([
      'node.started',
      'node.step',
      'node.waiting',
      'node.step',
      'node.started',
      'node.step',
      'node.step',
      'node.succeeded',
    ]);
    await expect(engine.input(run.id, 'work', { ok: true })).rejects.toThrow(/not waiting/);
  });

  it('holds the answered node while the run is paused', async () => {
    ran = new Map();
    const engine = await open();
    const run = await engine.run(workflow('{ steps: 2, ask: true }'));
    await engine.pause(run.id);
    await engine.input(run.id, 'work', { ok: false });
    expect((await engine.get(run.id))?.status).toBe('paused');
    await engine.resume(run.id);
    const done = await engine.wait(run.id);
    expect(done.output).toMatchObject({ rejected: true });
    expect(ran.get(`${run.id}:s0`)).toBe(1);
  });

  it('refuses an answer once the run is cancelled', async () => {
    const engine = await open();
    const run = await engine.run(workflow('{ steps: 2, ask: true }'));
    await engine.cancel(run.id);
    await expect(engine.input(run.id, 'work', { ok: true })).rejects.toThrow(/not waiting/);
    expect((await engine.get(run.id))?.status).toBe('cancelled');
  });

  it('replays from the store in a new process after the answer', async () => {
    ran = new Map();
    const db = tempDb();
    const first = await open(db);
    const run = await first.run(workflow('{ steps: 2, ask: true }'));
    expect(run.status).toBe('waiting');
    await first.close();
    engines = [];
    const second = await open(db);
    await second.input(run.id, 'work', { ok: true });
    const done = await second.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(ran.get(`${run.id}:s0`)).toBe(1);
    expect(ran.get(`${run.id}:s1`)).toBe(1);
  });
});
