/**
 * A workflow's `concurrency: { key, limit }` (issue 13, flow control): at most `limit` runs of one
 * key value hold a place at once, the others wait `queued` and start in order, highest priority
 * then oldest — in one process on SQLite (across a restart too), and across workers on PostgreSQL.
 * Checked from the event log: each run's span runs from its `run.started` to its end.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TestSchemas } from '@weft/store-postgres/testing';
import { defineNode, Engine, isTerminalEvent, type RunEvent } from '../src/index.js';
import { tempDb } from './helpers.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
});

/** Works a few ms, so that runs of one key would overlap if nothing kept them apart. */
const busy = defineNode({
  type: 'busy',
  description: 'works for a few ms',
  params: z.object({ ms: z.number() }),
  run: async (ctx, p) => {
    await new Promise((r) => setTimeout(r, p.ms));
    return { done: ctx.runId };
  },
});

const keyed = (limit: number) => ({
  id: 'per-customer',
  inputs: {
    type: 'object',
    required: ['customer'],
    properties: { customer: { type: 'string' }, ms: { type: 'number' } },
  },
  concurrency: { key: '{{ inputs.customer }}', limit },
  nodes: [
    { id: 'a', type: 'busy', with: { ms: '{{ inputs.ms }}' } },
    { id: 'b', type: 'busy', needs: ['a'], with: { ms: '{{ inputs.ms }}' } },
  ],
});

async function open(options: Parameters<typeof Engine.open>[0]): Promise<Engine> {
  const engine = await Engine.open({ nodes: [busy], ...options });
  engines.push(engine);
  return engine;
}

interface Span {
  id: string;
  key: string;
  createdAt: string;
  start: number;
  end: number;
}

/** Each run's span from its event log. */
async function spans(engine: Engine, runs: { id: string; key: string }[]): Promise<Span[]> {
  const out: Span[] = [];
  for (const { id, key } of runs) {
    const events: RunEvent[] = await engine.store.readEvents(id, 0);
    const started = events.find((e) => e.type === 'run.started');
    const ended = events.find((e) => isTerminalEvent(e));
    expect(started, `${id} started`).toBeDefined();
    expect(ended?.type, `${id} ended`).toBe('run.succeeded');
    const run = await engine.store.getRun(id);
    out.push({
      id,
      key,
      createdAt: run!.createdAt,
      start: Date.parse(started!.at),
      end: Date.parse(ended!.at),
    });
  }
  return out;
}

/** The most spans of one key that overlap at any moment. */
function mostAtOnce(all: Span[], key: string): number {
  const edges = all
    .filter((s) => s.key === key)
    .flatMap((s) => [
      { t: s.start, d: 1 },
      { t: s.end, d: -1 },
    ])
    // An end and a start at the same ms: the end first (the next started once a place freed).
    .sort((x, y) => x.t - y.t || x.d - y.d);
  let now = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (now += e.d));
  return most;
}

async function startMany(
  engine: Engine,
  count: number,
  keys: number,
  priority: (i: number) => number = () => 0,
) {
  const runs: { id: string; key: string }[] = [];
  for (let i = 0; i < count; i++) {
    const key = `c${i % keys}`;
    const { id } = await engine.start('per-customer', {
      input: { customer: key, ms: 3 + (i % 5) },
      priority: priority(i),
    });
    runs.push({ id, key: `per-customer/${key}` });
  }
  return runs;
}

describe('concurrency keys', () => {
  it('in one process: one run per key at a time, in the order they were started', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish(keyed(1));
    const runs = await startMany(engine, 24, 3);
    for (const r of runs)
      expect((await engine.wait(r.id, { until: 'finished' })).status).toBe('succeeded');
    const all = await spans(engine, runs);
    for (const key of new Set(runs.map((r) => r.key))) {
      expect(mostAtOnce(all, key)).toBe(1);
      const mine = all.filter((s) => s.key === key);
      expect(mine.map((s) => s.id)).toEqual(
        [...mine].sort((x, y) => x.start - y.start).map((s) => s.id),
      );
    }
    // Different keys did run at once.
    const edges = all.flatMap((s) => [
      { t: s.start, d: 1 },
      { t: s.end, d: -1 },
    ]);
    edges.sort((x, y) => x.t - y.t || x.d - y.d);
    let now = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (now += e.d));
    expect(most).toBeGreaterThan(1);
  });

  it('a limit of 2 lets two at a time; a key that cannot be read refuses the start', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish(keyed(2));
    const runs = await startMany(engine, 12, 1);
    for (const r of runs) await engine.wait(r.id, { until: 'finished' });
    expect(mostAtOnce(await spans(engine, runs), 'per-customer/c0')).toBe(2);
    await expect(
      engine.start('per-customer', { input: { customer: '', ms: 1 } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('runs waiting for their turn when the process stops start after it opens again', async () => {
    const db = tempDb();
    const first = await open({ db });
    await first.publish(keyed(1));
    const runs = await startMany(first, 6, 1);
    // The first holds the place; the others wait.
    expect((await first.get(runs[5]!.id))?.status).toBe('queued');
    await first.close();
    engines = [];
    const again = await open({ db });
    for (const r of runs)
      expect((await again.wait(r.id, { until: 'finished' })).status).toBe('succeeded');
    expect(mostAtOnce(await spans(again, runs), 'per-customer/c0')).toBe(1);
  });

  it('across three workers on PostgreSQL: never two runs of a key at once, over 200 runs', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const api = await open({ postgres, worker: { concurrency: 0, pollMs: 100 } });
    await api.publish(keyed(1));
    for (let w = 0; w < 3; w++) await open({ postgres, worker: { concurrency: 8, pollMs: 100 } });
    const runs = await startMany(api, 200, 10);
    for (const r of runs) {
      expect((await api.wait(r.id, { until: 'finished' })).status).toBe('succeeded');
    }
    const all = await spans(api, runs);
    for (const key of new Set(runs.map((r) => r.key))) expect(mostAtOnce(all, key)).toBe(1);
  }, 120_000);

  it('on PostgreSQL, waiting runs of a key start highest priority first', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const api = await open({ postgres, worker: { concurrency: 0, pollMs: 100 } });
    await api.publish(keyed(1));
    const runs = await startMany(api, 9, 1, (i) => i % 3);
    await open({ postgres, worker: { concurrency: 4, pollMs: 100 } });
    for (const r of runs) await api.wait(r.id, { until: 'finished' });
    const order = (await spans(api, runs)).sort((x, y) => x.start - y.start);
    const priorities = order.map((s) => runs.findIndex((r) => r.id === s.id) % 3);
    expect(priorities).toEqual([2, 2, 2, 1, 1, 1, 0, 0, 0]);
  }, 60_000);
});
