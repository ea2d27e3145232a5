/**
 * Everything around the routes: health, the home page, the OpenAPI document, body limits, unknown
 * errors, the open mode without keys, plugins, and the drain on close.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../weft/src/index.js';
import { createApp, type ServerEngine, type ServerPlugin } from '../src/index.js';
import {
  ACME,
  openGate,
  publish,
  readSse,
  startTestServer,
  tempDb,
  testNodes,
  yaml,
  type TestServer,
} from './helpers.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Json = Record<string, any>;

describe('operations', () => {
  it('GET /healthz is 200 while the store answers and 503 once it does not', async () => {
    t = await startTestServer();
    const ok = await fetch(`${t.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', store: 'ok' });
    await t.engine.close();
    const down = await fetch(`${t.url}/healthz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as Json)['error']['code']).toBe('unavailable');
  });

  it('GET / says how to build the console when the server has none', async () => {
    t = await startTestServer();
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/console was not built.*npm install/s);
    expect((await fetch(`${t.url}/assets/index-abc123.js`)).status).toBe(404);
  });

  it('serves the built console at / and its hashed assets without a key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(dir, 'secret.txt'), 'not served');
    const engine = await Engine.open({ db: tempDb(), nodes: testNodes });
    const app = createApp({ engine, keys: { resolve: async () => undefined }, consoleDir: dir });
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>console</title>');
    const js = await app.request('/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect(await js.text()).toBe('console.log(1)');
    const css = await app.request('/assets/index-abc123.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const path of ['/assets/missing.js', '/assets/..%2Fsecret.txt', '/assets/secret.txt']) {
      expect((await app.request(path)).status).toBe(404);
    }
    // The API itself still wants a key.
    expect((await app.request('/v1/workflows')).status).toBe(401);
    await engine.close();
  });

  it('serves an OpenAPI 3.1 document of every route, with request and response schemas', async () => {
    t = await startTestServer();
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as Json;
    expect(doc['openapi']).toBe('3.1.0');
    const operations = Object.values(doc['paths'] as Json).flatMap((p) => Object.keys(p as Json));
    expect(operations).toHaveLength(24);
    expect(Object.keys(doc['paths']['/v1/nodes/test'])).toEqual(['post']);
    const start = doc['paths']['/v1/workflows/{id}/runs']['post'];
    expect(Object.keys(start['requestBody']['content'])).toEqual(['application/json']);
    expect(Object.keys(doc['paths']['/v1/workflows']['post']['requestBody']['content'])).toEqual([
      'application/json',
      'application/yaml',
    ]);
    // 200: a singleton start skipped; 202: a debounced start.
    expect(Object.keys(start['responses']).sort()).toEqual([
      '200',
      '201',
      '202',
      '400',
      '401',
      '404',
      '413',
      '415',
      '422',
      '429',
    ]);
    expect(doc['components']['schemas']['Run']['properties']['nodes']).toBeDefined();
    expect(doc['components']['schemas']['Error']).toBeDefined();
    expect(doc['components']['securitySchemes']['bearer']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    t = await startTestServer();
    const res = await t.call('/v1/nothing', { key: ACME });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'no route GET /v1/nothing', details: [] },
    });
  });

  it('answers 500 with a generic message for unexpected errors and logs the real one', async () => {
    const engine = await Engine.open({ db: ':memory:' });
    const logged: { obj: Json; msg?: string | undefined }[] = [];
    const log = {
      debug() {},
      info() {},
      warn() {},
      error(obj: object, msg?: string) {
        logged.push({ obj: obj, msg });
      },
      child() {
        return log;
      },
    };
    const broken: ServerEngine = Object.create(engine) as ServerEngine;
    Object.assign(broken, {
      store: {
        ...engine.store,
        listWorkflows: () => Promise.reject(new Error('disk on fire at /secret/path')),
      },
    });
    const app = createApp({ engine: broken, log });
    const res = await app.request('/v1/workflows');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: 'internal server error', details: [] },
    });
    expect(text).not.toContain('secret');
    expect(logged[0]?.obj['err']).toBeInstanceOf(Error);
    expect(String(logged[0]?.obj['err'])).toContain('disk on fire');
    await engine.close();
  });
});

describe('body limits', () => {
  const limits = { maxBodyBytes: 2000, maxDefinitionBytes: 1000 };

  it('refuses a body whose Content-Length is over the limit with 413, before reading it', async () => {
    t = await startTestServer({ limits });
    await publish(t, 'id: w\nnodes: [{ id: a, type: noop }]\n');
    const res = await t.call('/v1/workflows/w/runs', {
      key: ACME,
      json: { input: { pad: 'x'.repeat(3000) } },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Json)['error']).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/2000 bytes/),
    });
    const fits = await t.call('/v1/workflows/w/runs', {
      key: ACME,
      json: { input: { pad: 'x'.repeat(1500) } },
    });
    expect(fits.status).toBe(201);
  });

  it('counts the bytes of a streamed body without Content-Length', async () => {
    t = await startTestServer({ limits });
    await publish(t, 'id: w\nnodes: [{ id: a, type: noop }]\n');
    const chunks = ['{"input":{"pad":"', 'x'.repeat(1500), 'x'.repeat(1500), '"}}'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await fetch(`${t.url}/v1/workflows/w/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
    expect(res.status).toBe(413);
  });

  it('refuses JSON bodies nested deeper than the limit with 422, before parsing them', async () => {
    t = await startTestServer();
    await publish(t, 'id: w\nnodes: [{ id: a, type: noop }]\n');
    const deep = `{"input":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await t.call('/v1/workflows/w/runs', {
      method: 'POST',
      key: ACME,
      body: deep,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as Json)['error']['message']).toMatch(/limit maxJsonDepth = 100/);
    const fine = `{"input":{"a":${'['.repeat(60)}"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["${']'.repeat(60)}}}`;
    const ok = await t.call('/v1/workflows/w/runs?wait=true', {
      method: 'POST',
      key: ACME,
      body: fine,
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as Json)['status']).toBe('succeeded');
    expect((await t.call('/healthz')).status).toBe(200);
  });

  it('holds definitions to their own limit', async () => {
    t = await startTestServer({ limits });
    const big = `id: big\ndescription: "${'x'.repeat(1200)}"\nnodes: [{ id: a, type: noop }]\n`;
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: big,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Json)['error']['message']).toMatch(/1000 bytes/);
  });
});

describe('open mode and plugins', () => {
  it('without keys every request is tenant default, key or not', async () => {
    t = await startTestServer({ keys: null });
    await publish(t, 'id: w\nnodes: [{ id: a, type: noop }]\n', 'anything');
    const list = await fetch(`${t.url}/v1/workflows`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as Json)['workflows'].map((w: Json) => w['id'])).toEqual(['w']);
    const run = (await (
      await fetch(`${t.url}/v1/workflows/w/runs?wait=true`, { method: 'POST' })
    ).json()) as Json;
    expect(run['status']).toBe('succeeded');
    expect((await t.engine.store.getRun(run['id']))?.tenant).toBe('default');
  });

  it('takes plugins: their routes join the document, need a key unless public, and see the tenant', async () => {
    const plugin: ServerPlugin = {
      publicPrefixes: ['/v1/open/'],
      register(app, deps) {
        app.openapi(
          createRoute({
            method: 'get',
            path: '/v1/whoami',
            responses: {
              200: {
                description: 'tenant',
                content: { 'application/json': { schema: z.object({ tenant: z.string() }) } },
              },
            },
          }),
          (c) => c.json({ tenant: c.get('tenant') }, 200),
        );
        app.post('/v1/open/:tenant/:path', async (c) =>
          c.json({ hook: c.req.param('path'), open: !deps.closing.aborted }, 202),
        );
      },
    };
    t = await startTestServer({ plugins: [plugin] });
    expect((await t.call('/v1/whoami')).status).toBe(401);
    expect(await (await t.call('/v1/whoami', { key: ACME })).json()).toEqual({ tenant: 'acme' });
    const hook = await t.call('/v1/open/acme/support', { method: 'POST' });
    expect(hook.status).toBe(202);
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as Json;
    expect(doc['paths']['/v1/whoami']).toBeDefined();
  });
});

describe('close', () => {
  it('ends live streams and bounded waits, then stops listening; the run stays resumable', async () => {
    const db = tempDb();
    t = await startTestServer({ db });
    await publish(
      t,
      yaml`
id: held
nodes:
  - { id: hold, type: gate, with: { name: drain-1 } }
  - { id: after, type: set, needs: [hold], with: { values: { ok: true } } }
`,
    );
    const id = (
      (await (await t.call('/v1/workflows/held/runs', { key: ACME, json: {} })).json()) as Json
    )['id'] as string;
    const stream = t.call(`/v1/runs/${id}/events`, {
      key: ACME,
      headers: { accept: 'text/event-stream' },
    });
    const waiting = t.call(`/v1/runs/${id}?wait=true&timeout=60000`, { key: ACME });
    const seen: string[] = [];
    const reading = readSse(await stream, (m) => {
      if (m.event !== undefined) seen.push(m.event);
    });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await t.server.close();
    await reading;
    const waited = await waiting;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(waited.headers.get('weft-wait')).toBe('timeout');
    expect(((await waited.json()) as Json)['status']).toBe('running');
    expect(seen).toContain('node.started');
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    await t.engine.close();
    t = undefined;

    // A new engine on the same file carries the run on.
    openGate('drain-1');
    const engine = await Engine.open({ db, nodes: testNodes });
    const done = await engine.wait(id);
    expect(done.status).toBe('succeeded');
    await engine.close();
  });
});
