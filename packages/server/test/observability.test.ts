/**
 * Operations over real HTTP: `/metrics` after a few runs (runs started and finished, node
 * durations, retries, queue depth, live streams, process metrics), OpenTelemetry spans per run and
 * node through `@opentelemetry/api` with a provider registered as an SDK would, and JSON logs
 * (pino): one line per request and per run and node state change, never a credential value or an
 * API key.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger, logLevelFrom } from '../src/index.js';
import { recordingProvider } from './recording-tracer.js';
import {
  ACME,
  GLOBEX,
  openGate,
  publish,
  readSse,
  startTestServer,
  waitFor,
  yaml,
  type TestServer,
} from './helpers.js';

type Json = Record<string, any>;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for these tests). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels`; 0 when none. */
function value(all: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = all.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} is ambiguous`);
  return found[0]?.value ?? 0;
}

async function scrape(s: TestServer, key: string | undefined = ACME): Promise<Sample[]> {
  const res = await s.call('/metrics', key === undefined ? {} : { key });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(await res.text());
}

const run = async (s: TestServer, workflow: string, key = ACME) =>
  (await (
    await s.call(`/v1/workflows/${workflow}/runs?wait=true`, { key, json: {} })
  ).json()) as Json;

describe('/metrics', () => {
  it('counts runs, node durations, retries, queue depth and live streams', async () => {
    t = await startTestServer();
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n');
    await publish(t, 'id: bad\nnodes: [{ id: b, type: boom }]\n');
    await publish(
      t,
      yaml`
id: retried
nodes:
  - { id: f, type: flaky, with: { key: metrics-1, fail: 2 }, retry: { max_attempts: 3, initial_ms: 5 } }
`,
    );
    await publish(t, 'id: ask\nnodes: [{ id: q, type: human, with: { prompt: "?" } }]\n');
    await publish(t, 'id: held\nnodes: [{ id: h, type: gate, with: { name: metrics-gate } }]\n');
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n', GLOBEX);

    expect((await run(t, 'ok'))['status']).toBe('succeeded');
    expect((await run(t, 'ok'))['status']).toBe('succeeded');
    expect((await run(t, 'ok', GLOBEX))['status']).toBe('succeeded');
    expect((await run(t, 'bad'))['status']).toBe('failed');
    expect((await run(t, 'retried'))['status']).toBe('succeeded');
    expect((await run(t, 'ask'))['status']).toBe('waiting');
    const held = (await (
      await t.call('/v1/workflows/held/runs', { key: ACME, json: {} })
    ).json()) as Json;

    const m = await scrape(t);
    const acme = { tenant: 'acme' };
    expect(value(m, 'weft_runs_started_total', { ...acme, workflow: 'ok' })).toBe(2);
    // acme's key reads acme's counts: globex's run is counted in globex's view only.
    expect(value(m, 'weft_runs_started_total', { tenant: 'globex', workflow: 'ok' })).toBe(0);
    const g = await scrape(t, GLOBEX);
    expect(value(g, 'weft_runs_started_total', { tenant: 'globex', workflow: 'ok' })).toBe(1);
    expect(
      value(g, 'weft_node_duration_seconds_count', { type: 'noop', status: 'succeeded' }),
    ).toBe(1);
    expect(value(m, 'weft_runs_started_total', { ...acme, workflow: 'held' })).toBe(1);
    const finished = (workflow: string, status: string) =>
      value(m, 'weft_runs_finished_total', { ...acme, workflow, status });
    expect(finished('ok', 'succeeded')).toBe(2);
    expect(finished('bad', 'failed')).toBe(1);
    expect(finished('retried', 'succeeded')).toBe(1);
    expect(finished('ask', 'succeeded')).toBe(0);

    const count = (type: string, status: string) =>
      value(m, 'weft_node_duration_seconds_count', { type, status });
    expect(count('noop', 'succeeded')).toBe(2);
    expect(count('boom', 'failed')).toBe(1);
    expect(count('flaky', 'retrying')).toBe(2);
    expect(count('flaky', 'succeeded')).toBe(1);
    expect(
      value(m, 'weft_node_duration_seconds_bucket', {
        type: 'noop',
        status: 'succeeded',
        le: '+Inf',
      }),
    ).toBe(2);
    expect(value(m, 'weft_node_retries_total', { type: 'flaky' })).toBe(2);

    expect(value(m, 'weft_queue_depth', { status: 'waiting' })).toBe(1);
    expect(value(m, 'weft_queue_depth', { status: 'running' })).toBe(1);
    expect(value(m, 'weft_queue_depth', { status: 'paused' })).toBe(0);
    expect(value(m, 'weft_event_stream_clients')).toBe(0);
    expect(m.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(m.some((s) => s.name === 'nodejs_heap_size_total_bytes')).toBe(true);

    // A live stream counts while it is open.
    const stop = new AbortController();
    const stream = await t.call(`/v1/runs/${held['id']}/events`, {
      key: ACME,
      headers: { accept: 'text/event-stream' },
      signal: stop.signal,
    });
    let started = false;
    const reading = readSse(stream, (msg) => {
      if (msg.event === 'node.started') started = true;
    }).catch(() => undefined);
    await waitFor(() => started);
    expect(value(await scrape(t), 'weft_event_stream_clients')).toBe(1);
    stop.abort();
    await reading;
    await waitFor(async () => value(await scrape(t!), 'weft_event_stream_clients') === 0);

    openGate('metrics-gate');
    await t.engine.wait(held['id']);
    const after = await scrape(t);
    expect(value(after, 'weft_queue_depth', { status: 'running' })).toBe(0);
    expect(
      value(after, 'weft_runs_finished_total', { ...acme, workflow: 'held', status: 'succeeded' }),
    ).toBe(1);
  });

  it("is scoped to the caller's tenant: each key sees only its own counts", async () => {
    t = await startTestServer();
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n');
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n', GLOBEX);
    await publish(
      t,
      'id: held\nnodes: [{ id: h, type: gate, with: { name: scoped-gate } }]\n',
      GLOBEX,
    );
    await run(t, 'ok');
    await run(t, 'ok', GLOBEX);
    await run(t, 'ok', GLOBEX);
    const held = (await (
      await t.call('/v1/workflows/held/runs', { key: GLOBEX, json: {} })
    ).json()) as Json;
    await waitFor(async () => (await t!.engine.store.getRun(held['id']))?.status === 'running');

    for (const [key, own, other, started] of [
      [ACME, 'acme', 'globex', 1],
      [GLOBEX, 'globex', 'acme', 2],
    ] as const) {
      const res = await t.call('/metrics', { key });
      const text = await res.text();
      expect(text).not.toContain(`tenant="${other}"`);
      const m = samples(text);
      expect(value(m, 'weft_runs_started_total', { tenant: own, workflow: 'ok' })).toBe(started);
      expect(
        value(m, 'weft_node_duration_seconds_count', { type: 'noop', status: 'succeeded' }),
      ).toBe(started);
      // The queue depth is the tenant's own: globex's held run is not acme's.
      expect(value(m, 'weft_queue_depth', { status: 'running' })).toBe(own === 'globex' ? 1 : 0);
      expect(m.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    }
    openGate('scoped-gate');
    await t.engine.wait(held['id']);
  });

  it('made public (WEFT_METRICS_PUBLIC), it is read without a key and shows every tenant', async () => {
    t = await startTestServer({ metricsPublic: true });
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n');
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n', GLOBEX);
    await run(t, 'ok');
    await run(t, 'ok', GLOBEX);
    const m = await scrape(t, undefined);
    expect(value(m, 'weft_runs_started_total', { tenant: 'acme', workflow: 'ok' })).toBe(1);
    expect(value(m, 'weft_runs_started_total', { tenant: 'globex', workflow: 'ok' })).toBe(1);
  });

  it('needs a key when the server has keys, unless made public', async () => {
    t = await startTestServer();
    const res = await t.call('/metrics');
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json)['error']['code']).toBe('unauthorized');
    await t.close();
    t = await startTestServer({ metricsPublic: true });
    expect((await t.call('/metrics')).status).toBe(200);
    const doc = (await (await t.call('/openapi.json')).json()) as Json;
    expect(doc['paths']['/metrics']['get']['security']).toEqual([]);
  });
});

// ---- tracing ---------------------------------------------------------------------------------

describe('OpenTelemetry spans', () => {
  afterAll(() => trace.disable());

  it('are no-ops without an SDK, and spans per run and node once a provider is registered', async () => {
    // Nothing registered: the API hands out spans that record nothing.
    expect(trace.getTracer('weft').startSpan('probe').isRecording()).toBe(false);

    const { provider, spans } = recordingProvider();
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: traced
nodes:
  - { id: f, type: flaky, with: { key: trace-1, fail: 1 }, retry: { max_attempts: 2, initial_ms: 5 } }
  - { id: n, type: noop, needs: [f] }
`,
    );
    await publish(t, 'id: broken\nnodes: [{ id: b, type: boom, with: { code: kaput } }]\n');
    const ok = await run(t, 'traced');
    const failed = await run(t, 'broken');

    const runSpan = spans.find((s) => s.name === 'run traced')!;
    expect(runSpan.attributes).toMatchObject({
      'weft.run.id': ok['id'],
      'weft.tenant': 'acme',
      'weft.workflow': 'traced',
      'weft.workflow.version': 1,
      'weft.status': 'succeeded',
    });
    expect(runSpan.parent).toBeUndefined();
    expect(runSpan.end).toBeGreaterThanOrEqual(runSpan.start);

    const f = spans.filter((s) => s.name === 'node f');
    expect(f.map((s) => [s.attributes['weft.node.attempt'], s.attributes['weft.status']])).toEqual([
      [1, 'retrying'],
      [2, 'succeeded'],
    ]);
    expect(f[0]!.status).toEqual({ code: 2, message: 'flaky' });
    for (const s of [...f, spans.find((x) => x.name === 'node n')!]) {
      expect(s.parent).toBe(runSpan);
      expect(s.end).toBeDefined();
      expect(s.attributes).toMatchObject({
        'weft.run.id': ok['id'],
        'weft.workflow': 'traced',
        'weft.node.path': s.name.slice('node '.length),
      });
    }
    expect(spans.find((s) => s.name === 'node n')!.attributes['weft.node.type']).toBe('noop');

    const brokenSpan = spans.find((s) => s.name === 'run broken')!;
    expect(brokenSpan.attributes['weft.run.id']).toBe(failed['id']);
    expect(brokenSpan.attributes['weft.status']).toBe('failed');
    expect(brokenSpan.status).toEqual({ code: 2, message: 'kaput' });
    expect(spans.every((s) => s.end !== undefined)).toBe(true);
  });
});

// ---- logs ------------------------------------------------------------------------------------

const CANARY = 'canary-log-9b8c7d6e5f4a3b2c';
const CANARY_PASSWORD = 'canary-pw-a1b2c3d4e5f6';
const CANARY_BASIC = Buffer.from(`user:${CANARY_PASSWORD}`).toString('base64');

describe('JSON logs', () => {
  let echo: Server;
  let origin: string;
  const flaky = new Map<string, number>();
  let savedAllow: string | undefined;

  beforeAll(async () => {
    savedAllow = process.env['WEFT_HTTP_ALLOW'];
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    // Echoes what it got, headers included, in the body and a header: the worst case for leaks.
    echo = createServer((req, res) => {
      const [route = '', key = ''] = (req.url ?? '/').split('/').filter(Boolean);
      const body = JSON.stringify({ url: req.url, headers: req.headers });
      const send = (status: number) =>
        res
          .writeHead(status, {
            'content-type': 'application/json',
            'x-echo': String(req.headers['authorization'] ?? ''),
          })
          .end(body);
      if (route === 'ok') return send(200);
      if (route === 'flaky') {
        const n = (flaky.get(key) ?? 0) + 1;
        flaky.set(key, n);
        return send(n < 2 ? 503 : 200);
      }
      return send(500);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
    else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
    echo.closeAllConnections();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('one line per request and per state change; a canary credential or API key never appears', async () => {
    const lines: string[] = [];
    const log = jsonLogger({ out: { write: (s: string) => lines.push(s) }, level: 'debug' });
    t = await startTestServer({ log });

    const put = (name: string, json: unknown) =>
      t!.call(`/v1/credentials/${name}`, { method: 'PUT', key: ACME, json });
    expect((await put('api', { type: 'bearer', value: CANARY })).status).toBe(201);
    expect(
      (await put('login', { type: 'basic', username: 'user', password: CANARY_PASSWORD })).status,
    ).toBe(201);
    // Refused writes: the value must not reach the log through an error either.
    expect((await put('api', { type: 'bearer', value: `${CANARY}\r\nX: 1` })).status).toBe(422);
    expect((await put('api', { type: 'bearer', value: CANARY, note: CANARY })).status).toBe(422);

    const flow = (id: string, route: string, attempts: number) => yaml`
id: ${id}
nodes:
  - id: bearer
    type: http
    with: { url: "${origin}/${route}/${id}-b", credential: api }
    retry: { max_attempts: ${attempts}, initial_ms: 5 }
  - id: basic
    type: http
    needs: [bearer]
    with: { url: "${origin}/${route}/${id}-l", credential: login }
    retry: { max_attempts: ${attempts}, initial_ms: 5 }
`;
    await publish(t, flow('good', 'ok', 1));
    await publish(t, flow('failing', 'fail', 1));
    await publish(t, flow('retried', 'flaky', 3));
    expect((await run(t, 'good'))['status']).toBe('succeeded');
    expect((await run(t, 'failing'))['status']).toBe('failed');
    const retried = await run(t, 'retried');
    expect(retried['status']).toBe('succeeded');
    await t.call(`/v1/runs/${retried['id']}/events`, { key: ACME });
    await t.call('/v1/runs', { key: 'not-a-key' });
    await t.call('/metrics', { key: ACME });

    const text = lines.join('');
    for (const needle of [CANARY, CANARY_PASSWORD, CANARY_BASIC, ACME]) {
      expect(text).not.toContain(needle);
    }
    const parsed = lines.map((l) => JSON.parse(l) as Json);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    for (const p of parsed) {
      expect(typeof p['level']).toBe('string');
      expect(p['time']).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(typeof p['msg']).toBe('string');
    }

    const requests = parsed.filter((p) => p['msg'] === 'request');
    expect(
      requests.find((p) => p['path'] === '/v1/credentials/api' && p['status'] === 201),
    ).toMatchObject({
      level: 'info',
      method: 'PUT',
      tenant: 'acme',
      duration_ms: expect.any(Number),
    });
    expect(requests.find((p) => p['path'] === '/v1/runs')).toMatchObject({ status: 401 });
    expect(requests.find((p) => p['path'] === '/v1/runs')).not.toHaveProperty('tenant');
    for (const r of requests) {
      expect(Object.keys(r).sort()).toEqual(
        [
          'level',
          'time',
          'msg',
          'method',
          'path',
          'status',
          'duration_ms',
          ...(r['tenant'] === undefined ? [] : ['tenant']),
        ].sort(),
      );
    }

    const ofRun = parsed.filter((p) => p['runId'] === retried['id'] && p['component'] === 'runs');
    expect(ofRun.map((p) => p['msg'])).toEqual([
      'run.started',
      'node.started',
      'node.retrying',
      'node.started',
      'node.succeeded',
      'node.started',
      'node.retrying',
      'node.started',
      'node.succeeded',
      'run.succeeded',
    ]);
    expect(ofRun[1]).toMatchObject({
      level: 'info',
      tenant: 'acme',
      workflow: 'retried',
      node: 'bearer',
      type: 'http',
      attempt: 1,
    });
    expect(ofRun[2]).toMatchObject({
      node: 'bearer',
      type: 'http',
      error: { code: expect.any(String) },
    });
    const failedLine = parsed.find((p) => p['msg'] === 'run.failed' && p['workflow'] === 'failing');
    expect(failedLine?.['error']?.['code']).toEqual(expect.any(String));
  });

  it('WEFT_LOG_LEVEL picks the level; unknown values mean info', async () => {
    expect(logLevelFrom('debug')).toBe('debug');
    expect(logLevelFrom(' WARN ')).toBe('warn');
    expect(logLevelFrom('silent')).toBe('silent');
    expect(logLevelFrom('loud')).toBe('info');
    expect(logLevelFrom(undefined)).toBe('info');
    const lines: string[] = [];
    const log = jsonLogger({ out: { write: (s: string) => lines.push(s) }, level: 'warn' });
    t = await startTestServer({ log });
    await publish(t, 'id: ok\nnodes: [{ id: a, type: noop }]\n');
    await run(t, 'ok');
    expect(lines).toEqual([]);
    log.warn({ err: new Error('disk full'), authorization: `Bearer ${ACME}` }, 'trouble');
    const line = JSON.parse(lines[0]!) as Json;
    expect(line).toMatchObject({ level: 'warn', msg: 'trouble', authorization: '[redacted]' });
    expect(line['err']).toMatchObject({ type: 'Error', message: 'disk full' });
  });
});
