/**
 * Values that would crash the engine instead of the node (issue 17, section 2), through a real
 * server on a free port: an `http` node calling a real local server that answers JSON nested
 * thousands of levels deep, hostile webhook bodies and answers, and a node id `__proto__`. The run
 * must end with a clear error while `/healthz` and other runs keep answering.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACME, publish, startTestServer, yaml, type TestServer } from './helpers.js';

type Json = Record<string, any>;

const deepArrayText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

let upstream: Server;
let base: string;
let savedAllow: string | undefined;
beforeAll(async () => {
  // /N answers `[[[...]]]` N levels deep.
  upstream = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(deepArrayText(Number((req.url ?? '/1').slice(1))));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  savedAllow = process.env['WEFT_HTTP_ALLOW'];
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
});
afterAll(async () => {
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
  await new Promise((resolve) => upstream.close(resolve));
});

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
  await publish(
    t,
    yaml`
id: fine
triggers: [{ type: webhook, path: fine }]
nodes: [{ id: a, type: transform, with: { expression: "{ 'n': 1 }" } }]
`,
  );
});
afterEach(async () => {
  await t.close();
});

const startAndWait = async (workflow: string, input: unknown = {}): Promise<Json> => {
  const res = await t.call(`/v1/workflows/${workflow}/runs?wait=true`, {
    key: ACME,
    json: { input },
  });
  expect(res.status).toBe(201);
  // The run settled: it ended (or waits for an answer) rather than outlived the wait's bound.
  expect(res.headers.get('weft-wait')).toBe('settled');
  return (await res.json()) as Json;
};

/** The server answers its health check, and another run completes. */
async function expectServing(): Promise<void> {
  expect((await t.call('/healthz')).status).toBe(200);
  expect(await startAndWait('fine')).toMatchObject({ status: 'succeeded', output: { n: 1 } });
}

describe('an http answer nested deep fails its node, not the server', () => {
  it.each([3200, 100_000])('%i levels: the run fails with output_too_large', async (depth) => {
    await publish(
      t,
      yaml`
id: deep
nodes: [{ id: get, type: http, with: { url: "${base}/${depth}" } }]
`,
    );
    // Health is asked while the run is under way, and answers.
    const [run, health] = await Promise.all([startAndWait('deep'), t.call('/healthz')]);
    expect(health.status).toBe(200);
    expect(run).toMatchObject({
      status: 'failed',
      error: { code: 'output_too_large', message: expect.stringContaining('maxDepth = 64') },
      nodes: { get: { status: 'failed', error: { code: 'output_too_large' } } },
    });
    const read = await t.call(`/v1/runs/${run['id']}`, { key: ACME });
    expect(((await read.json()) as Json)['status']).toBe('failed');
    await expectServing();
  });
});

describe('hostile bodies are refused where they enter', () => {
  it.each([
    ['text/plain', 100_000, 'invalid_input'],
    ['text/plain', 3200, 'invalid_input'],
    ['application/json', 100_000, 'invalid_request'],
  ])('a webhook body sent as %s, %i levels deep: 422 %s', async (type, depth, code) => {
    const res = await fetch(`${t.url}/v1/hooks/acme/fine`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: deepArrayText(depth),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as Json)['error']).toMatchObject({ code });
    await expectServing();
  });

  it('an answer 100,000 levels deep: 422, and the node still waits', async () => {
    await publish(
      t,
      yaml`
id: ask
nodes: [{ id: ask, type: human, with: { prompt: "?" } }]
`,
    );
    const run = await startAndWait('ask');
    expect(run['status']).toBe('waiting');
    const res = await t.call(`/v1/runs/${run['id']}/input`, {
      key: ACME,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"node":"ask","value":${deepArrayText(100_000)}}`,
    });
    expect(res.status).toBe(422);
    const read = (await (await t.call(`/v1/runs/${run['id']}`, { key: ACME })).json()) as Json;
    expect(read['nodes']['ask']['status']).toBe('waiting');
    await expectServing();
  });
});

it('a node id __proto__ is refused at publish with its line and column', async () => {
  const res = await t.call('/v1/workflows', {
    method: 'POST',
    key: ACME,
    headers: { 'content-type': 'application/yaml' },
    body: yaml`
id: protos
nodes:
  - { id: a, type: noop }
  - { id: __proto__, type: noop, needs: [a] }
`,
  });
  expect(res.status).toBe(422);
  expect(((await res.json()) as Json)['error']).toMatchObject({
    code: 'invalid_definition',
    details: [
      {
        path: 'nodes[1].id',
        line: 4,
        column: 11,
        message: expect.stringContaining('`__proto__` is not allowed'),
      },
    ],
  });
  await expectServing();
});
