/**
 * A node's `budget` (issue 13): model tokens per bucket and period, counted in the store so that
 * every run and every worker on it shares them, against the fake OpenAI-compatible server over
 * real HTTP. Periods are fixed windows aligned to the epoch, on the engine's clock: a manual one
 * here moves a run into the next day.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '@weft/store-postgres';
import { TestSchemas } from '@weft/store-postgres/testing';
import { startOpenAiServer } from '../../../test/fixtures/openai-server.mjs';
import { Engine } from '../src/index.js';
import { SECRET_A } from './credentials/support.js';
import { yaml } from './helpers.js';

type Fixture = Awaited<ReturnType<typeof startOpenAiServer>>;

const schemas = new TestSchemas();
let ai: Fixture;
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  // Read when runs are started: the allow-list travels with the run to whichever worker runs it.
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  ai = await startOpenAiServer({ apiKey: 'k' });
});
afterAll(async () => {
  await ai.close();
  await schemas.dropAll();
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
}, 120_000);
beforeEach(() => {
  ai.calls.bodies.length = 0;
  ai.calls.total = 0;
});

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
});

const open = async (options: Parameters<typeof Engine.open>[0]) => {
  const engine = await Engine.open({ secretKey: SECRET_A, ...options });
  engines.push(engine);
  await engine.credentials.put('ai', { type: 'openai', base_url: ai.url, api_key: 'k' });
  return engine;
};

/** One `llm` call on credential `ai` under `budget` (the fake server counts about 4 characters a token). */
const asking = (budget: string, node = '') => yaml`
id: asking
nodes:
  - id: ask
    type: llm
    with: { credential: ai, model: m1, prompt: hello }
    budget: ${budget}
    retry: { max_attempts: 3, initial_ms: 1 }
${node}`;

/** The tokens a run's `ask` node spent. */
const spentBy = (run: { nodes: Record<string, { output?: unknown } | undefined> }) =>
  (run.nodes['ask']?.output as { usage: { total_tokens: number } }).usage.total_tokens;

const HOUR = 3_600_000;
const manualClock = (start: number) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};

describe('node budget', () => {
  it('is shared by the runs on one credential: the call that crosses completes, the next run fails until the period ends', async () => {
    const clock = manualClock(Date.UTC(2030, 0, 1, 23, 0));
    const engine = await open({ db: ':memory:', clock });
    await engine.publish(asking('{ tokens: 10, per: P1D }'));

    const first = await engine.run('asking');
    expect(first.status).toBe('succeeded');
    // It asked for no more than the budget had left as its completion, and crossed it.
    expect(ai.calls.bodies[0].max_tokens).toBe(10);
    const cost = spentBy(first);
    expect(cost).toBeGreaterThan(10);

    const second = await engine.run('asking');
    expect(second.status).toBe('failed');
    const ask = second.nodes['ask'];
    expect(ask?.error).toMatchObject({
      code: 'token_budget_exceeded',
      details: {
        bucket: 'credential:ai',
        tokens: 10,
        per: 'P1D',
        spent: cost,
        resets_at: '2030-01-02T00:00:00.000Z',
      },
    });
    // Not retried, and no call was made.
    expect(ask?.attempts).toBe(1);
    expect(ai.calls.total).toBe(1);

    // Another bucket (a key) is not touched by what credential `ai` spent.
    await engine.publish(asking('{ tokens: 10, per: P1D, key: other }').replace('asking', 'keyed'));
    expect((await engine.run('keyed')).status).toBe('succeeded');

    // Past midnight UTC the period is a new one.
    clock.t += HOUR;
    const third = await engine.run('asking');
    expect(third.status).toBe('succeeded');
    expect(ai.calls.total).toBe(3);
  });

  it('takes the smaller of the period and limits.tokens, and a spent budget can be routed by the error branch', async () => {
    const engine = await open({ db: ':memory:' });
    const run = await engine.run(yaml`
id: routed
limits: { tokens: 6 }
nodes:
  - id: ask
    type: llm
    with: { credential: ai, model: m1, prompt: hello }
    budget: { tokens: 20, per: PT1H }
  - id: again
    type: llm
    needs: [ask]
    with: { credential: ai, model: m1, prompt: hello }
    budget: { tokens: 20, per: PT1H }
    on_error: branch
  - { id: later, type: set, needs: [{ node: again, port: error }], with: { values: { code: "{{ again.error.code }}" } } }
`);
    expect(ai.calls.bodies[0].max_tokens).toBe(6);
    const cost = spentBy(run);
    // The run's budget was spent by the first call: the second is refused by it, not the period.
    expect(run.nodes['again']?.error).toMatchObject({ code: 'token_budget_exceeded' });
    expect(run.nodes['again']?.error?.details).toBeUndefined();
    expect(run.nodes['later']?.output).toEqual({ code: 'token_budget_exceeded' });

    const period = await engine.run(yaml`
id: period
nodes:
  - id: ask
    type: llm
    with: { credential: ai, model: m1, prompt: hello, max_tokens: 100 }
    budget: { tokens: 20, per: PT1H }
`);
    expect(period.status).toBe('succeeded');
    // The first run's first call spent of the hour's 20 (its second made none).
    expect(ai.calls.bodies[1].max_tokens).toBe(20 - cost);
  });

  it("checks before each of an agent's model calls, with the agent's usage in the error", async () => {
    const engine = await open({ db: ':memory:' });
    ai.script(
      { toolCalls: [{ id: 'a', name: 'double', arguments: { n: 1 } }] },
      { text: 'never asked' },
    );
    const run = await engine.run(yaml`
id: agent
nodes:
  - id: helper
    type: agent
    budget: { tokens: 30, per: P1D, key: agents }
    with:
      credential: ai
      model: m1
      prompt: double one
      tools:
        - id: double
          type: code
          description: Doubles a number.
          parameters: { type: object, properties: { n: { type: number } } }
          with: { input: "{{ args }}", source: "return { n: input.n * 2 }" }
`);
    expect(run.status).toBe('failed');
    const details = run.error?.details as Record<string, any>;
    expect(run.error?.code).toBe('token_budget_exceeded');
    expect(details).toMatchObject({ bucket: 'key:agents', tokens: 30, per: 'P1D' });
    expect(details['spent']).toBeGreaterThanOrEqual(30);
    expect(details['usage'].total_tokens).toBe(details['spent']);
    expect(ai.calls.total).toBe(1);
    expect(ai.calls.bodies[0].max_tokens).toBe(30);
  });

  it('two engines on one PostgreSQL database share the budget', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const a = await open({ postgres });
    const b = await open({ postgres });
    await a.publish(asking('{ tokens: 20, per: P1D }'));
    const first = await a.run('asking');
    expect(first.status).toBe('succeeded');
    // b sees what a spent: the rest is left for its call, which crosses the budget.
    const second = await b.run('asking');
    expect(second.status).toBe('succeeded');
    expect(ai.calls.bodies[1].max_tokens).toBe(20 - spentBy(first));
    const third = await a.run('asking');
    expect(third.nodes['ask']?.error).toMatchObject({
      code: 'token_budget_exceeded',
      details: { bucket: 'credential:ai', spent: spentBy(first) + spentBy(second) },
    });
    expect(ai.calls.total).toBe(2);
  }, 60_000);

  it('counts every call of runs racing on two engines on PostgreSQL, exactly', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const a = await open({ postgres });
    const b = await open({ postgres });
    await a.publish(asking('{ tokens: 1000000, per: PT1H, key: shared }'));
    const views = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).run('asking')),
    );
    for (const v of views) expect(v.status).toBe('succeeded');
    const total = views.reduce((sum, v) => sum + spentBy(v), 0);
    const store = await openPostgresStore({ url: postgres });
    try {
      const perMs = HOUR;
      const now = Date.now();
      const window = { tenant: 'default', bucket: 'key:shared', perMs };
      let spent = await store.tokensSpent({ ...window, windowStart: now - (now % perMs) });
      // Runs that straddled the hour count partly in the one before.
      const before = now - (now % perMs) - perMs;
      spent += await store.tokensSpent({ ...window, windowStart: before });
      expect(spent).toBe(total);
    } finally {
      await store.close();
    }
  }, 60_000);
});
