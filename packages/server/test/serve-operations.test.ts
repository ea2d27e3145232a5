/**
 * End to end with the real binary: API keys made with `weft keys create` while `weft serve` runs,
 * stored keys leaving open mode, cron schedules published through the API, webhooks, `/metrics`
 * and the JSON logs on stderr, and the drain letting a node in flight finish.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../weft/src/index.js';
import { ACME, api, KEYS, serve, weft, type Json } from './binary.js';
import { tempDb, waitFor } from './helpers.js';

describe('weft keys and weft serve', () => {
  it('a key made by weft keys create works at once on a running server, until revoked', async () => {
    const db = tempDb();
    const s = await serve(['--db', db], { WEFT_API_KEYS: KEYS });
    const created = await weft(['keys', 'create', '--tenant', 'initech', '--db', db]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^wft_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created API key wft_\S+… \(id \S+\) for tenant initech/);
    expect(created.stderr).not.toContain(key);

    // At once: the server reads stored keys at each request.
    const published = await api(s, '/v1/workflows', {
      key,
      yaml: 'id: mine\nnodes: [{ id: a, type: noop }]\n',
    });
    expect(published.status).toBe(201);
    const theirs = (await (await api(s, '/v1/workflows', { key: ACME })).json()) as Json;
    expect(theirs['workflows']).toEqual([]);

    const listed = await weft(['keys', 'list', '--tenant', 'initech', '--db', db, '--json']);
    expect(listed.code).toBe(0);
    const keys = (JSON.parse(listed.stdout) as Json)['keys'] as Json[];
    expect(keys).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain(key);
    expect(key.startsWith(keys[0]!['prefix'])).toBe(true);

    const revoked = await weft([
      'keys',
      'revoke',
      keys[0]!['id'],
      '--tenant',
      'initech',
      '--db',
      db,
    ]);
    expect(revoked.code).toBe(0);
    expect((await api(s, '/v1/workflows', { key })).status).toBe(401);
    const again = await weft(['keys', 'revoke', keys[0]!['id'], '--tenant', 'initech', '--db', db]);
    expect(again.code).toBe(1);
    expect(await s.stop()).toBe(0);

    const noTenant = await weft(['keys', 'create', '--db', db]);
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toMatch(/needs a tenant: --tenant T/);
    const badTenant = await weft(['keys', 'create', '--tenant', 'Not OK', '--db', db]);
    expect(badTenant.code).toBe(2);
    const badSub = await weft(['keys', 'rotate', '--tenant', 'x', '--db', db]);
    expect(badSub.code).toBe(2);
    expect(badSub.stderr).toMatch(/unknown keys command "rotate"/);
  });

  it('stored keys alone end open mode: keys are required and any host is allowed', async () => {
    const db = tempDb();
    const created = await weft(['keys', 'create', '--tenant', 'acme', '--db', db]);
    const key = created.stdout.trim();
    const s = await serve(['--host', '0.0.0.0', '--db', db]);
    expect(s.stderr()).not.toMatch(/open/);
    expect((await api(s, '/v1/workflows')).status).toBe(401);
    expect((await api(s, '/v1/workflows', { key })).status).toBe(200);
    expect(await s.stop()).toBe(0);
  });
});

describe('cron through weft serve', () => {
  it('a 6-field every-second schedule published through the API fires about once per second; one catch-up after a restart', async () => {
    const db = tempDb();
    const s = await serve(['--db', db]);
    const published = await api(s, '/v1/workflows', {
      yaml: [
        'id: ticker',
        'triggers:',
        '  - { type: cron, schedule: "* * * * * *", input: { from: cron } }',
        'nodes:',
        '  - { id: a, type: transform, with: { expression: "inputs.from" } }',
      ].join('\n'),
    });
    expect(published.status).toBe(201);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const runs = (await (await api(s, '/v1/runs?workflow=ticker&limit=100')).json()) as Json;
    const inWindow = (runs['runs'] as Json[]).filter(
      (r) => Date.parse(r['created_at']) - t0 <= 3000,
    );
    expect(inWindow.length).toBeGreaterThanOrEqual(2);
    expect(inWindow.length).toBeLessThanOrEqual(4);
    expect(inWindow.every((r) => r['input']['from'] === 'cron')).toBe(true);
    expect(await s.stop()).toBe(0);

    // Down for 2.5 s (2 or 3 missed due times): one catch-up run at start, never a burst.
    const count = async (srv: typeof s) =>
      ((await (await api(srv, '/v1/runs?workflow=ticker&limit=1000')).json()) as Json)['runs']
        .length as number;
    await new Promise((r) => setTimeout(r, 2500));
    const restarted = await serve(['--db', db]);
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 600));
    const fresh = (
      ((await (await api(restarted, '/v1/runs?workflow=ticker&limit=1000')).json()) as Json)[
        'runs'
      ] as Json[]
    ).filter((r) => Date.parse(r['created_at']) >= t1 - 1500);
    // The catch-up, and at most the next regular due time.
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    expect(fresh.length).toBeLessThanOrEqual(2);

    // Deleting the workflow stops the schedule.
    expect((await api(restarted, '/v1/workflows/ticker', { method: 'DELETE' })).status).toBe(204);
    const before = await count(restarted);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await count(restarted)) - before).toBeLessThanOrEqual(1);
    expect(await restarted.stop()).toBe(0);
  });
});

describe('webhooks, metrics and logs through weft serve', () => {
  it('serves signed hooks without a key, /metrics with one (or public), and logs JSON lines', async () => {
    const s = await serve(['--db', tempDb()], { WEFT_API_KEYS: KEYS, WEFT_LOG_LEVEL: 'info' });
    await api(s, '/v1/workflows', {
      key: ACME,
      yaml: 'id: hooked\ntriggers: [{ type: webhook, path: in, secret: s3cret-hook }]\nnodes: [{ id: a, type: noop }]\n',
    });
    const body = '{"n":1}';
    const unsigned = await fetch(`${s.url}/v1/hooks/acme/in`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const good = await fetch(`${s.url}/v1/hooks/acme/in?wait=true`, {
      method: 'POST',
      body,
      headers: { 'x-weft-signature': signWebhook('s3cret-hook', body) },
    });
    expect(good.status).toBe(200);
    expect(((await good.json()) as Json)['status']).toBe('succeeded');

    expect((await api(s, '/metrics')).status).toBe(401);
    const metrics = await (await api(s, '/metrics', { key: ACME })).text();
    expect(metrics).toMatch(/^weft_runs_started_total\{tenant="acme",workflow="hooked"\} 1$/m);
    expect(metrics).toMatch(
      /^weft_runs_finished_total\{tenant="acme",workflow="hooked",status="succeeded"\} 1$/m,
    );
    expect(await s.stop()).toBe(0);

    const lines = s
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json);
    expect(
      lines.find(
        (l) => l['msg'] === 'request' && l['path'] === '/v1/hooks/acme/in' && l['status'] === 200,
      ),
    ).toMatchObject({
      level: 'info',
      method: 'POST',
      tenant: 'acme',
    });
    expect(lines.find((l) => l['msg'] === 'run.succeeded')).toMatchObject({
      workflow: 'hooked',
      tenant: 'acme',
    });
    expect(s.stderr()).not.toContain(ACME);
    expect(s.stderr()).not.toContain('s3cret-hook');

    const open = await serve(['--db', tempDb()], { WEFT_API_KEYS: KEYS, WEFT_METRICS_PUBLIC: '1' });
    expect((await api(open, '/metrics')).status).toBe(200);
    expect(await open.stop()).toBe(0);
  });
});

describe('drain', () => {
  it('SIGTERM lets the node in flight finish within WEFT_DRAIN_MS: it does not run again', async () => {
    let calls = 0;
    const slow: Server = createServer((_req, res) => {
      calls++;
      setTimeout(() => res.end(JSON.stringify({ ok: true, call: calls })), 800);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
    const db = tempDb();
    const allow = { WEFT_HTTP_ALLOW: '127.0.0.1' };
    try {
      const s = await serve(['--db', db], { ...allow, WEFT_DRAIN_MS: '5000' });
      await api(s, '/v1/workflows', {
        yaml: `id: calls\nnodes:\n  - { id: get, type: http, with: { method: GET, url: "${slowUrl}" } }\n`,
      });
      const { id } = (await (
        await api(s, '/v1/workflows/calls/runs', { json: {} })
      ).json()) as Json;
      await waitFor(() => calls === 1);
      const t0 = Date.now();
      expect(await s.stop('SIGTERM')).toBe(0);
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(s.stderr()).not.toMatch(/nodes still running/);

      const again = await serve(['--db', db], allow);
      const run = (await (await api(again, `/v1/runs/${id}`)).json()) as Json;
      expect(run['status']).toBe('succeeded');
      expect(run['nodes']['get']['attempts']).toBe(1);
      expect(calls).toBe(1);
      expect(await again.stop()).toBe(0);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('WEFT_DRAIN_MS must be a number of milliseconds', async () => {
    const r = await weft(['serve', '--port', '0', '--db', tempDb()], { WEFT_DRAIN_MS: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/WEFT_DRAIN_MS must be a whole number of milliseconds/);
  });
});
