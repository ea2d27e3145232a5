/**
 * Leaving the open mode: what was made without API keys belongs to tenant `default`. `weft serve`
 * with keys says so at start, and `weft tenants move default acme` gives it to acme, whose key
 * then sees the workflows, runs and credentials (re-encrypted: a run of acme still sends the
 * secret) over HTTP. The real binary throughout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, parseJson, requireBuild, sandbox, type Sandbox } from './harness.js';
import { serveBox, type Serving } from './serve.js';

const KEY = 'key-acme-0123456789abcdef';
const WITH_KEYS = { WEFT_API_KEYS: `acme:${KEY}`, WEFT_HTTP_ALLOW: '127.0.0.1' };
const WARNING =
  /warning: tenant default holds workflows, runs or credentials made without API keys, and no key names it: no key sees them\. To give them to a key's tenant, stop the server and run weft tenants move default TENANT --db \S+/;

let box: Sandbox;
/** A local endpoint that keeps the Authorization header of each call. */
let echo: Server;
const seen: string[] = [];
let echoUrl = '';

beforeAll(async () => {
  requireBuild();
  box = sandbox();
  echo = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  box.remove();
  await new Promise((r) => echo.close(r));
});

async function call(s: Serving, path: string, init: RequestInit = {}, key?: string) {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
  const res = await fetch(`${s.url}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as any };
}

const stop = async (s: Serving) => expectExit(await s.proc.stop('SIGTERM'), 0);

describe('weft tenants move', () => {
  it('the open mode makes data for tenant default; with keys, serve warns that no key sees it', async () => {
    const open = await serveBox(box, { WEFT_HTTP_ALLOW: '127.0.0.1' });
    const flow = `id: ping\nnodes:\n  - { id: call, type: http, with: { url: "${echoUrl}", credential: gh } }\n`;
    const yaml = { 'content-type': 'application/yaml' };
    expect(
      (await call(open, '/v1/workflows', { method: 'POST', body: flow, headers: yaml })).status,
    ).toBe(201);
    const json = { 'content-type': 'application/json' };
    const put = { method: 'PUT', body: '{"type":"bearer","value":"s3cret-token"}', headers: json };
    expect((await call(open, '/v1/credentials/gh', put)).status).toBe(201);
    const run = await call(open, '/v1/workflows/ping/runs?wait=true', {
      method: 'POST',
      body: '{}',
      headers: json,
    });
    expect(run.body.status).toBe('succeeded');
    expect(seen).toEqual(['Bearer s3cret-token']);
    // No warning while the API is open: everything is tenant default's anyway.
    expect(open.proc.stderr).not.toMatch(/warning: tenant default/);
    await stop(open);

    const keyed = await serveBox(box, WITH_KEYS);
    await keyed.proc.waitForStderr(WARNING);
    expect((await call(keyed, '/v1/workflows', {}, KEY)).body.workflows).toEqual([]);
    await stop(keyed);
  });

  it('refuses while weft serve holds the database, and bad tenant names', async () => {
    const keyed = await serveBox(box, WITH_KEYS);
    const busy = await box.weft(['tenants', 'move', 'default', 'acme']);
    expectExit(busy, 1);
    expect(busy.stderr).toMatch(/stop weft serve, move the tenant, then start it again/);
    await stop(keyed);
    for (const args of [
      ['tenants', 'move', 'default', 'Not A Tenant'],
      ['tenants', 'move', 'default', 'default'],
      ['tenants', 'move', 'default'],
      ['tenants', 'copy', 'default', 'acme'],
    ]) {
      expectExit(await box.weft(args), 2);
    }
  });

  it("moves workflows, runs and credentials to acme: acme's key sees them, and its runs use the credential", async () => {
    const moved = await box.weft(['tenants', 'move', 'default', 'acme', '--json']);
    expectExit(moved, 0);
    expect(parseJson(moved)).toEqual({ workflows: 1, runs: 1, schedules: 0, credentials: 1 });

    const keyed = await serveBox(box, WITH_KEYS);
    const workflows = await call(keyed, '/v1/workflows', {}, KEY);
    expect(workflows.body.workflows.map((w: any) => w.id)).toEqual(['ping']);
    const runs = await call(keyed, '/v1/runs', {}, KEY);
    expect(runs.body.runs).toEqual([
      expect.objectContaining({ workflow: 'ping', status: 'succeeded' }),
    ]);
    const credentials = await call(keyed, '/v1/credentials', {}, KEY);
    expect(credentials.body.credentials.map((c: any) => c.name)).toEqual(['gh']);
    const json = { 'content-type': 'application/json' };
    const again = await call(
      keyed,
      '/v1/workflows/ping/runs?wait=true',
      { method: 'POST', body: '{}', headers: json },
      KEY,
    );
    expect(again.body.status).toBe('succeeded');
    expect(seen).toEqual(['Bearer s3cret-token', 'Bearer s3cret-token']);
    // Nothing is left for tenant default: no warning.
    expect(keyed.proc.stderr).not.toMatch(/warning: tenant default/);
    await stop(keyed);
  });

  it('refuses, moving nothing, when the target already has a workflow of the same id', async () => {
    box.write('ping.yaml', 'id: ping\nnodes: [{ id: a, type: noop }]\n');
    expectExit(await box.weft(['publish', 'ping.yaml']), 0); // a local publish is tenant default's
    const clash = await box.weft(['tenants', 'move', 'default', 'acme']);
    expectExit(clash, 1);
    expect(clash.stderr).toMatch(
      /tenant acme already has workflows "ping" of the same names as tenant default: nothing moved/,
    );
    const list = await box.weft(['workflows', 'list', '--json']);
    expect(parseJson(list).workflows.map((w: any) => w.id)).toEqual(['ping']);
  });
});
