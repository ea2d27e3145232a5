/**
 * A tenant's start rate over real HTTP: past it, starting a run through the API, `/mcp` or a
 * webhook is answered 429 `rate_limited` with `Retry-After` in whole seconds, and starts nothing;
 * other tenants and other routes are not held back; a redelivered webhook is not a start.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStartRate } from '../src/index.js';
import { ACME, GLOBEX, publish, startTestServer, yaml, type TestServer } from './helpers.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const flow = yaml`
id: quick
triggers:
  - { type: webhook, path: quick }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;

async function serving(limit: number, perMs: number): Promise<TestServer> {
  t = await startTestServer({ startRate: { limit, perMs } });
  await publish(t, flow, ACME);
  await publish(t, flow, GLOBEX);
  return t;
}

const start = (s: TestServer, key = ACME) =>
  s.call('/v1/workflows/quick/runs', { key, json: { input: { n: 1 } } });

const runsOf = async (s: TestServer, tenant = 'acme') =>
  (await s.engine.store.listRuns({ tenant, workflowId: 'quick', limit: 100 })).runs.length;

describe('start rate', () => {
  it('answers 429 with Retry-After past the limit, starting nothing; other tenants go on', async () => {
    const s = await serving(3, 60_000);
    for (let i = 0; i < 3; i++) expect((await start(s)).status).toBe(201);
    const refused = await start(s);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: `tenant acme may start 3 runs per 1 min: try again in ${retryAfter} s`,
        details: [],
      },
    });
    expect(await runsOf(s)).toBe(3);
    // Another tenant has its own count; reading is never held back.
    expect((await start(s, GLOBEX)).status).toBe(201);
    expect((await s.call('/v1/runs', { key: ACME })).status).toBe(200);
    const waited = await s.call('/v1/workflows/quick/runs?wait=true', {
      key: ACME,
      json: { input: {} },
    });
    expect(waited.status).toBe(429);
  });

  it('lets starts through again as the window slides on', async () => {
    const s = await serving(2, 1000);
    expect((await start(s)).status).toBe(201);
    expect((await start(s)).status).toBe(201);
    const refused = await start(s);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    await new Promise((r) => setTimeout(r, 1050));
    expect((await start(s)).status).toBe(201);
    expect(await runsOf(s)).toBe(3);
  });

  it('counts webhook deliveries that start a run, not redeliveries nor unknown hooks', async () => {
    const s = await serving(2, 60_000);
    const deliver = (id: string, path = 'quick') =>
      fetch(`${s.url}/v1/hooks/acme/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-weft-delivery': id },
        body: '{"n":1}',
      });
    expect((await deliver('d-1')).status).toBe(202);
    const again = await deliver('d-1');
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect((await deliver('d-2', 'nowhere')).status).toBe(404);
    expect((await deliver('d-2')).status).toBe(202);
    const refused = await deliver('d-3');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(await runsOf(s)).toBe(2);
  });

  it('refuses an MCP tool call past the limit with an error result naming the code', async () => {
    const s = await serving(1, 60_000);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${ACME}` } },
      }),
    );
    try {
      const ok = await client.callTool({ name: 'quick', arguments: { n: 1 } });
      expect(ok.isError).toBeFalsy();
      const refused = await client.callTool({ name: 'quick', arguments: { n: 2 } });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain(
        'rate_limited: tenant acme may start 1 run per 1 min',
      );
    } finally {
      await client.close();
    }
    expect(await runsOf(s)).toBe(1);
  });
});

describe('parseStartRate', () => {
  it('reads LIMIT/PER with a unit, an ISO 8601 duration or milliseconds', () => {
    expect(parseStartRate('20/s')).toEqual({ limit: 20, perMs: 1000 });
    expect(parseStartRate('1200/min')).toEqual({ limit: 1200, perMs: 60_000 });
    expect(parseStartRate(' 5 / h ')).toEqual({ limit: 5, perMs: 3_600_000 });
    expect(parseStartRate('100/PT10S')).toEqual({ limit: 100, perMs: 10_000 });
    expect(parseStartRate('3/250')).toEqual({ limit: 3, perMs: 250 });
  });

  it('refuses anything else, saying how to write it', () => {
    for (const bad of ['20', '0/s', '20/fortnight', '20/PT0S', 'x/s', '20/s/2', '10001/s']) {
      expect(() => parseStartRate(bad)).toThrow(/write LIMIT\/PER, e\.g\. 20\/s/);
    }
  });
});
