/**
 * A node's `rate` (issue 13): no window of `per` overlaps more than `limit` executions of a bucket,
 * counted in the store so that every worker on it shares the bucket. Checked where it matters, at
 * the server the nodes call: the times it received the requests hold no more than `limit` in any
 * window, however long each request took to get there.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import { Engine, type WorkerOptions } from '../src/index.js';
import { nodeBucket } from '../src/runtime/node-bucket.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

/** When the counting server received each request, in ms of this process's clock. */
let received: number[] = [];
/** Requests `/slow` holds at once, at most: it answers after 300 ms. */
const slow = { now: 0, most: 0, ended: [] as number[] };
let server: Server;
let url: string;
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  // Read when runs are started: the allow-list travels with the run to whichever worker runs it.
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  server = createServer((req, res) => {
    received.push(performance.timeOrigin + performance.now());
    req.resume();
    res.setHeader('content-type', 'application/json');
    if (req.url !== '/slow') {
      res.end(JSON.stringify({ n: received.length }));
      return;
    }
    slow.most = Math.max(slow.most, ++slow.now);
    setTimeout(() => {
      slow.now--;
      slow.ended.push(performance.timeOrigin + performance.now());
      res.end('{}');
    }, 300);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
  received = [];
});

const open = async (options: Parameters<typeof Engine.open>[0]) => {
  const engine = await Engine.open(options);
  engines.push(engine);
  return engine;
};

const rated = (rate: string, extra = '', path = '/hit') => `
id: rated
nodes:
  - id: call
    type: http
    with: { url: "${url}${path}" }
    rate: ${rate}
${extra}`;

/** The most requests received in any window of `perMs` (a window is [t, t + perMs)). */
function mostInAnyWindow(times: readonly number[], perMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= perMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** The closest any request came to the one `limit` before it: at least `perMs` when the rate held. */
function tightestSpan(times: readonly number[], limit: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let tightest = Infinity;
  for (let i = limit; i < sorted.length; i++) {
    tightest = Math.min(tightest, (sorted[i] ?? 0) - (sorted[i - limit] ?? 0));
  }
  return tightest;
}

describe('node rate', () => {
  it('three workers on one PostgreSQL database share the bucket: never more than 5 in any second', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const worker = (w: WorkerOptions) => open({ postgres, worker: { pollMs: 100, ...w } });
    const api = await worker({ concurrency: 0 });
    await api.publish(rated('{ limit: 5, per: 1000 }'));
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { id, status } = await api.start('rated');
      expect(status).toBe('queued');
      ids.push(id);
    }
    // Ten runs each at most: the queue is spread over the three, which all want tokens at once.
    const workers = [
      await worker({ concurrency: 10 }),
      await worker({ concurrency: 10 }),
      await worker({ concurrency: 10 }),
    ];
    const views = await Promise.all(ids.map((id) => api.wait(id)));
    for (const v of views) expect(v.status).toBe('succeeded');
    expect(received).toHaveLength(30);
    const most = mostInAnyWindow(received, 1000);
    const span = Math.max(...received) - Math.min(...received);
    console.log(
      `3 workers, 30 runs, rate 5 per 1000 ms: at most ${most} requests in any 1000 ms window; ` +
        `each 6th ${tightestSpan(received, 5).toFixed(1)} ms or more after the 1st; first to last ${Math.round(span)} ms`,
    );
    expect(most).toBe(5);
    // Each worker carried some of the runs: the bucket was shared, not kept per process.
    const busy = workers.filter((w) => w.stats.decisions > 0);
    expect(busy.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('one engine on SQLite keeps the rate too, the window given in ISO 8601', async () => {
    const engine = await open({ db: ':memory:' });
    await engine.publish(rated('{ limit: 5, per: PT1S }'));
    const ids = await Promise.all(
      Array.from({ length: 15 }, async () => (await engine.start('rated')).id),
    );
    const views = await Promise.all(ids.map((id) => engine.wait(id)));
    for (const v of views) expect(v.status).toBe('succeeded');
    expect(received).toHaveLength(15);
    const most = mostInAnyWindow(received, 1000);
    console.log(
      `SQLite, 15 runs, rate 5 per PT1S: at most ${most} requests in any 1000 ms window; ` +
        `each 6th ${tightestSpan(received, 5).toFixed(1)} ms or more after the 1st`,
    );
    expect(most).toBe(5);
  }, 30_000);

  it('a cancel during the wait for a token ends the run at once, and the node never runs', async () => {
    const engine = await open({ db: ':memory:' });
    await engine.publish(rated('{ limit: 1, per: PT1H }'));
    const first = await engine.start('rated');
    expect((await engine.wait(first.id)).status).toBe('succeeded');
    const second = await engine.start('rated');
    // Its node is running: it waits for the token the first run took, for an hour.
    await new Promise((r) => setTimeout(r, 200));
    expect((await engine.get(second.id))?.nodes['call']?.status).toBe('running');
    const t0 = performance.now();
    await engine.cancel(second.id);
    const view = await engine.wait(second.id);
    expect(view.status).toBe('cancelled');
    expect(view.nodes['call']?.status).toBe('cancelled');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(received).toHaveLength(1);
  });

  it('holds the token until the execution ends: the window starts again from its end', async () => {
    const engine = await open({ db: ':memory:' });
    await engine.publish(rated('{ limit: 2, per: 200 }', '', '/slow'));
    const ids = await Promise.all(
      Array.from({ length: 4 }, async () => (await engine.start('rated')).id),
    );
    for (const v of await Promise.all(ids.map((id) => engine.wait(id))))
      expect(v.status).toBe('succeeded');
    // Two at a time, and the third came 200 ms after one of the first two was answered.
    expect(slow.most).toBe(2);
    const [third] = [...received].sort((a, b) => a - b).slice(2);
    const firstEnd = Math.min(...slow.ended);
    expect(third).toBeGreaterThanOrEqual(firstEnd + 190);
  });

  it('the wait for a token does not count against the timeout of the attempt', async () => {
    const engine = await open({ db: ':memory:' });
    await engine.publish(rated('{ limit: 1, per: 700 }', '    timeout_ms: 300'));
    const a = await engine.start('rated');
    const b = await engine.start('rated');
    const [va, vb] = await Promise.all([engine.wait(a.id), engine.wait(b.id)]);
    expect([va.status, vb.status]).toEqual(['succeeded', 'succeeded']);
    expect(received).toHaveLength(2);
    // The second waited past its timeout for the token, and ran in time once it had it.
    expect(tightestSpan(received, 1)).toBeGreaterThan(400);
  });
});

describe('node buckets', () => {
  it('are named by the key, else the credential, else the node type', () => {
    expect(nodeBucket('github', 'http', { credential: 'gh' })).toBe('key:github');
    expect(nodeBucket(undefined, 'http', { credential: 'gh', url: 'x' })).toBe('credential:gh');
    expect(nodeBucket(undefined, 'llm', { credential: 'gh' })).toBe('credential:gh');
    expect(nodeBucket(undefined, 'http', { url: 'x' })).toBe('type:http');
    expect(nodeBucket(undefined, 'code', undefined)).toBe('type:code');
  });
});
