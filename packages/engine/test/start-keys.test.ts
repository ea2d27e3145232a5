/**
 * A workflow's `singleton:` and `debounce:` (issue 13, flow control): at most one unfinished run
 * per singleton key, a start while one is unfinished skipping (or cancelling it); bursts of starts
 * of one debounce key making one run, with the last input, `period` after the last start, bounded
 * by `timeout` — durable across a restart. And a retry under a `concurrency:` key waits its turn.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { defineNode, Engine, type EngineOptions } from '../src/index.js';
import { TestSchemas } from '@weft/store-postgres/testing';
import { tempDb } from './helpers.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

/** Runs it is holding, by run id: a held run stays unfinished until released. */
const held = new Map<string, () => void>();

const gate = defineNode({
  type: 'gate',
  description: 'holds until released when asked to, fails when asked to',
  params: z.object({ hold: z.boolean().optional(), fail: z.boolean().optional() }),
  run: async (ctx, p) => {
    if (p.hold === true) {
      await new Promise<void>((resolve, reject) => {
        held.set(ctx.runId, resolve);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
      });
      held.delete(ctx.runId);
    }
    if (p.fail === true) throw new Error('told to fail');
    return { ok: true };
  },
});

const INPUTS = {
  type: 'object',
  properties: {
    user: { type: 'string' },
    n: { type: 'number' },
    hold: { type: 'boolean' },
    fail: { type: 'boolean' },
  },
};

const singleton = (mode: 'skip' | 'cancel') => ({
  id: 'single',
  inputs: INPUTS,
  singleton: { key: '{{ inputs.user }}', mode },
  nodes: [{ id: 'a', type: 'gate', with: { hold: true } }],
});

const debounced = (period: number, timeout?: number) => ({
  id: 'calm',
  inputs: INPUTS,
  debounce: { key: '{{ inputs.user }}', period, ...(timeout === undefined ? {} : { timeout }) },
  nodes: [{ id: 'a', type: 'gate', with: {} }],
});

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
  held.clear();
});

async function open(options: EngineOptions = {}): Promise<Engine> {
  const engine = await Engine.open({ db: ':memory:', nodes: [gate], ...options });
  engines.push(engine);
  return engine;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits for the run's gate to hold, then lets it finish. */
async function release(engine: Engine, runId: string): Promise<void> {
  const go = await until(`run ${runId} to hold`, async () => held.get(runId));
  go();
  await engine.wait(runId, { until: 'finished' });
}

const unfinished = async (engine: Engine, workflowId: string) =>
  (await engine.store.listRuns({ workflowId, limit: 1000 })).runs.filter(
    (r) => !['succeeded', 'failed', 'cancelled'].includes(r.status),
  );

describe('singleton', () => {
  it('skip: a start while a run of the key is unfinished answers with that run', async () => {
    const engine = await open();
    await engine.publish(singleton('skip'));
    const first = await engine.start('single', { input: { user: 'u1' } });
    expect(first.skipped).toBeUndefined();
    const again = await engine.start('single', { input: { user: 'u1' } });
    expect(again).toEqual({ id: first.id, status: expect.any(String), skipped: true });
    const other = await engine.start('single', { input: { user: 'u2' } });
    expect(other.id).not.toBe(first.id);
    await release(engine, first.id);
    // A finished run frees its key.
    const later = await engine.start('single', { input: { user: 'u1' } });
    expect(later.id).not.toBe(first.id);
    expect(later.skipped).toBeUndefined();
  });

  it('cancel: the unfinished run of the key is cancelled and the new one starts', async () => {
    const engine = await open();
    await engine.publish(singleton('cancel'));
    const first = await engine.start('single', { input: { user: 'u1' } });
    const second = await engine.start('single', { input: { user: 'u1' } });
    expect(second.id).not.toBe(first.id);
    expect(second.replaced).toBe(first.id);
    expect((await engine.get(first.id))?.status).toBe('cancelled');
    expect((await unfinished(engine, 'single')).map((r) => r.id)).toEqual([second.id]);
  });

  it('a retry of a finished run is refused while another run holds its key', async () => {
    const engine = await open();
    await engine.publish(singleton('skip'));
    const first = await engine.start('single', { input: { user: 'u1' } });
    await engine.cancel(first.id);
    const second = await engine.start('single', { input: { user: 'u1' } });
    await expect(engine.retry(first.id)).rejects.toMatchObject({ code: 'store_conflict' });
    expect((await engine.get(first.id))?.status).toBe('cancelled');
    await release(engine, second.id);
    await engine.retry(first.id);
    expect((await unfinished(engine, 'single')).map((r) => r.id)).toEqual([first.id]);
  });

  it('racing starts of one key make one run', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish(singleton('skip'));
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => engine.start('single', { input: { user: 'u1' } })),
    );
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(answers.filter((a) => a.skipped === undefined)).toHaveLength(1);
    expect(await unfinished(engine, 'single')).toHaveLength(1);
  });

  it('a key value that is too long or empty refuses the start, naming the key', async () => {
    const engine = await open();
    await engine.publish(singleton('skip'));
    await expect(
      engine.start('single', { input: { user: 'x'.repeat(257) } }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'singleton.key gives 257 characters: at most 256',
    });
    await expect(engine.start('single', { input: { user: '' } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('property: never two unfinished runs of a key, whatever the starts and finishes', async () => {
    const step = fc.oneof(
      fc.record({ start: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ finish: fc.constantFrom('a', 'b', 'c') }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('skip' as const, 'cancel' as const),
        fc.array(step, { minLength: 1, maxLength: 14 }),
        async (mode, steps) => {
          const engine = await open();
          await engine.publish(singleton(mode));
          const holder = new Map<string, string>();
          for (const s of steps) {
            if ('start' in s) {
              const before = holder.get(s.start);
              const r = await engine.start('single', { input: { user: s.start } });
              if (before === undefined) expect(r.skipped ?? r.replaced).toBeUndefined();
              else if (mode === 'skip') expect(r).toMatchObject({ id: before, skipped: true });
              else expect(r.replaced).toBe(before);
              holder.set(s.start, r.id);
            } else {
              const id = holder.get(s.finish);
              if (id === undefined) continue;
              await release(engine, id);
              holder.delete(s.finish);
            }
            const open = await unfinished(engine, 'single');
            const runs = await Promise.all(open.map((r) => engine.store.loadRun(r.id)));
            const users = runs.map((l) => (l!.run.input as { user: string }).user);
            expect(new Set(users).size).toBe(users.length);
            expect(users.sort()).toEqual([...holder.keys()].sort());
          }
          await engine.close();
          engines = engines.filter((e) => e !== engine);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});

describe('debounce', () => {
  it('a burst makes one run, period after its last start, with the last input', async () => {
    let now = Date.UTC(2026, 0, 1);
    const engine = await open({ clock: { now: () => now } });
    await engine.publish(debounced(1000));
    const answers = [];
    for (let n = 1; n <= 4; n++) {
      answers.push(await engine.start('calm', { input: { user: 'u1', n } }));
      now += 400;
    }
    const id = answers[0]!.id;
    expect(answers.map((a) => a.id)).toEqual([id, id, id, id]);
    expect(answers.map((a) => a.debounced?.joined)).toEqual([false, true, true, true]);
    // Due 1000 ms after the 4th start (made at +1200).
    expect(answers[3]!.debounced?.dueAt).toBe(new Date(Date.UTC(2026, 0, 1) + 2200).toISOString());
    expect(await engine.get(id)).toBeUndefined();
    const other = await engine.start('calm', { input: { user: 'u2', n: 9 } });
    expect(other.id).not.toBe(id);
    now += 1000;
    const run = await until('the run', () => engine.get(id));
    expect((await engine.wait(run.id, { until: 'finished' })).status).toBe('succeeded');
    expect((await engine.store.getRun(id))?.input).toEqual({ user: 'u1', n: 4 });
    // The next start of the key begins a new burst.
    const next = await engine.start('calm', { input: { user: 'u1', n: 5 } });
    expect(next.id).not.toBe(id);
    expect(next.debounced?.joined).toBe(false);
  });

  it('timeout bounds how long the first start of a burst is pushed back', async () => {
    let now = Date.UTC(2026, 0, 1);
    const engine = await open({ clock: { now: () => now } });
    await engine.publish(debounced(1000, 1500));
    const first = await engine.start('calm', { input: { user: 'u1', n: 1 } });
    now += 800;
    const second = await engine.start('calm', { input: { user: 'u1', n: 2 } });
    expect(second.id).toBe(first.id);
    expect(second.debounced?.dueAt).toBe(new Date(Date.UTC(2026, 0, 1) + 1500).toISOString());
  });

  it('a pending start survives a restart and fires when the engine opens again', async () => {
    const db = tempDb();
    const first = await open({ db });
    await first.publish(debounced(200));
    const { id } = await first.start('calm', { input: { user: 'u1', n: 7 } });
    await first.close();
    engines = [];
    await new Promise((r) => setTimeout(r, 250));
    const again = await open({ db });
    const run = await until('the run', () => again.get(id));
    expect((await again.wait(run.id, { until: 'finished' })).status).toBe('succeeded');
    expect((await again.store.getRun(id))?.input).toEqual({ user: 'u1', n: 7 });
  });

  it('property: one run per burst of a key, with its last input', async () => {
    const step = fc.record({
      user: fc.constantFrom('a', 'b'),
      gap: fc.constantFrom(0, 30, 90, 150),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        let now = Date.UTC(2026, 0, 1);
        const engine = await open({ clock: { now: () => now } });
        await engine.publish(debounced(100, 250));
        // The open burst of each key: its run id, due time, last input.
        const bursts = new Map<string, { id: string; due: number; deadline: number; n: number }>();
        const expected = new Map<string, number>();
        let n = 0;
        for (const s of steps) {
          now += s.gap;
          for (const [user, b] of bursts) {
            if (b.due > now) continue;
            await until(`run ${b.id}`, () => engine.get(b.id));
            bursts.delete(user);
          }
          const r = await engine.start('calm', { input: { user: s.user, n: ++n } });
          const b = bursts.get(s.user);
          if (b === undefined) {
            expect(r.debounced?.joined).toBe(false);
            bursts.set(s.user, { id: r.id, due: now + 100, deadline: now + 250, n });
          } else {
            expect(r.id).toBe(b.id);
            b.due = Math.min(now + 100, b.deadline);
            b.n = n;
          }
          expected.set(r.id, n);
        }
        now += 1000;
        for (const [id, last] of expected) {
          await until(`run ${id}`, () => engine.get(id));
          expect(((await engine.store.getRun(id))?.input as { n: number }).n).toBe(last);
        }
        expect((await engine.store.listRuns({ workflowId: 'calm' })).runs).toHaveLength(
          expected.size,
        );
        await engine.close();
        engines = engines.filter((e) => e !== engine);
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});

describe('retry under a concurrency key', () => {
  it('waits for a place as a start does', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish({
      id: 'one-at-a-time',
      inputs: INPUTS,
      concurrency: { key: 'all', limit: 1 },
      nodes: [
        { id: 'a', type: 'gate', with: { hold: '{{ inputs.hold }}', fail: '{{ inputs.fail }}' } },
      ],
    });
    const failing = await engine.start('one-at-a-time', { input: { hold: false, fail: true } });
    expect((await engine.wait(failing.id, { until: 'finished' })).status).toBe('failed');
    const holding = await engine.start('one-at-a-time', { input: { hold: true, fail: false } });
    await until('the holder', async () => held.get(holding.id));
    await engine.retry(failing.id);
    await new Promise((r) => setTimeout(r, 100));
    // The place is taken: the retried run waits, its node not started again.
    expect((await engine.get(failing.id))?.status).toBe('queued');
    const types = (await engine.store.readEvents(failing.id, 0)).map((e) => e.type);
    expect(types.slice(types.indexOf('run.retried'))).toEqual(['run.retried']);
    await release(engine, holding.id);
    expect((await engine.wait(failing.id, { until: 'finished' })).status).toBe('failed');
    const after = (await engine.store.readEvents(failing.id, 0)).map((e) => e.type);
    expect(after.slice(after.indexOf('run.retried'))).toContain('node.started');
  });
});

describe('across two workers on one PostgreSQL store', () => {
  async function twoWorkers(): Promise<[Engine, Engine]> {
    const postgres = schemas.urlFor(await schemas.create());
    const worker = { concurrency: 8, pollMs: 100 };
    return [await open({ postgres, worker }), await open({ postgres, worker })];
  }

  it('racing singleton starts on both make exactly one run', async () => {
    const [a, b] = await twoWorkers();
    await a.publish(singleton('skip'));
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 === 0 ? a : b).start('single', { input: { user: 'u1' } }),
      ),
    );
    expect(new Set(answers.map((r) => r.id)).size).toBe(1);
    expect(answers.filter((r) => r.skipped === undefined)).toHaveLength(1);
    expect((await a.store.listRuns({ workflowId: 'single' })).runs).toHaveLength(1);
  }, 60_000);

  it('racing cancel starts on both leave one unfinished run', async () => {
    const [a, b] = await twoWorkers();
    await a.publish(singleton('cancel'));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? a : b).start('single', { input: { user: 'u1' } }),
      ),
    );
    expect(await unfinished(a, 'single')).toHaveLength(1);
  }, 60_000);

  it('racing debounced starts on both join one run, which starts once', async () => {
    const [a, b] = await twoWorkers();
    await a.publish(debounced(300));
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, n) =>
        (n % 2 === 0 ? a : b).start('calm', { input: { user: 'u1', n } }),
      ),
    );
    const id = answers[0]!.id;
    expect(answers.every((r) => r.id === id)).toBe(true);
    expect(answers.filter((r) => r.debounced?.joined === false)).toHaveLength(1);
    const run = await until('the run', () => a.get(id));
    expect((await a.wait(run.id, { until: 'finished' })).status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 300));
    expect((await a.store.listRuns({ workflowId: 'calm' })).runs).toHaveLength(1);
    expect(await a.store.nextDebounceDue()).toBeUndefined();
  }, 60_000);

  it('a pending start taken by a worker that stops is fired by the other', async () => {
    const [a, b] = await twoWorkers();
    await a.publish(debounced(200));
    const { id } = await a.start('calm', { input: { user: 'u1', n: 1 } });
    await a.close();
    engines = engines.filter((e) => e !== a);
    const run = await until('the run', () => b.get(id));
    expect((await b.wait(run.id, { until: 'finished' })).status).toBe('succeeded');
  }, 60_000);
});

describe('a run waiting for its turn under a concurrency key', () => {
  it('stays queued through a pause and a resume, and starts when a place frees', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish({
      id: 'one-at-a-time',
      inputs: INPUTS,
      concurrency: { key: 'all', limit: 1 },
      nodes: [{ id: 'a', type: 'gate', with: { hold: '{{ inputs.hold }}', fail: false } }],
    });
    const holding = await engine.start('one-at-a-time', { input: { hold: true } });
    await until('the holder', async () => held.get(holding.id));
    const waiting = await engine.start('one-at-a-time', { input: { hold: false } });
    expect(waiting.status).toBe('queued');
    await engine.pause(waiting.id);
    expect((await engine.get(waiting.id))?.status).toBe('queued');
    await engine.resume(waiting.id);
    expect((await engine.get(waiting.id))?.status).toBe('queued');
    await release(engine, holding.id);
    expect((await engine.wait(waiting.id, { until: 'finished' })).status).toBe('succeeded');
  });
});
