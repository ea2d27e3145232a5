/**
 * End to end, as a user runs it: the real `weft serve` binary, driven with fetch and with
 * `weft runs ... --server`. Needs the build (`npx tsc -b`), as the binary runs from dist/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ACME, api, GLOBEX, KEYS, serve, weft, type Json } from './binary.js';
import { tempDb, waitFor } from './helpers.js';

describe('weft serve', () => {
  it('runs open on 127.0.0.1 without keys, says so, and refuses another host', async () => {
    const s = await serve(['--db', tempDb()]);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.stderr()).toMatch(/no API keys configured .*open, on 127\.0\.0\.1 only/);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/v1/workflows`)).status).toBe(200);
    expect(await s.stop()).toBe(0);

    const refused = await weft(['serve', '--port', '0', '--host', '0.0.0.0', '--db', tempDb()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without API keys/);
    const pg = await weft(['serve', '--port', '0', '--postgres', 'postgres://x', '--db', tempDb()]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/give --db PATH or --postgres URL, not both/);
    const badKeys = await weft(['serve', '--port', '0', '--db', tempDb()], {
      WEFT_API_KEYS: 'acme',
    });
    expect(badKeys.code).toBe(2);
    expect(badKeys.stderr).toMatch(/WEFT_API_KEYS entry 1: no `:` between tenant and key/);
    expect(badKeys.stderr).not.toMatch(/acme/);
  });

  it('serves tenants by key, and weft runs --server mirrors the local commands', async () => {
    const s = await serve(['--host', '0.0.0.0', '--db', tempDb()], { WEFT_API_KEYS: KEYS });
    expect(s.stderr()).not.toMatch(/open/);
    expect((await api(s, '/v1/workflows')).status).toBe(401);
    const published = await api(s, '/v1/workflows', {
      key: ACME,
      yaml: 'id: hi\nnodes:\n  - { id: a, type: set, with: { values: { x: "{{ inputs.x }}" } } }\n',
    });
    expect(published.status).toBe(201);
    const run = (await (
      await api(s, '/v1/workflows/hi/runs?wait=true', { key: ACME, json: { input: { x: 7 } } })
    ).json()) as Json;
    expect(run).toMatchObject({ status: 'succeeded', output: { x: 7 } });

    const server = ['--server', s.url, '--key', ACME];
    const list = await weft(['runs', 'list', '--json', ...server]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Json)['runs'].map((r: Json) => r['id'])).toEqual([
      run['id'],
    ]);
    const table = await weft(['runs', 'list', ...server]);
    expect(table.stdout).toMatch(new RegExp(`${run['id']}\\s+hi@1\\s+succeeded`));
    const show = await weft(['runs', 'show', run['id'], '--json', '--server', s.url], {
      WEFT_API_KEY: ACME,
    });
    expect(JSON.parse(show.stdout)).toEqual(run);
    const events = await weft(['runs', 'events', run['id'], ...server]);
    expect(events.stdout.split('\n')[0]).toMatch(/^1\t\S+\trun\.started\t/);

    const other = await weft(['runs', 'show', run['id'], '--server', s.url, '--key', GLOBEX]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/not_found: no run/);
    const bad = await weft(['runs', 'list', '--server', s.url, '--key', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unauthorized: invalid API key/);
    const down = await weft(['runs', 'list', '--server', 'http://127.0.0.1:1', '--key', ACME]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
    expect(await s.stop()).toBe(0);
  });

  it('weft runs events --follow streams a live run and ends at its terminal event', async () => {
    const s = await serve(['--db', tempDb()]);
    await api(s, '/v1/workflows', {
      yaml: 'id: timed\nnodes:\n  - { id: pause, type: wait, with: { duration: 700 } }\n  - { id: done, type: message, needs: [pause], with: { text: bye } }\n',
    });
    const { id } = (await (await api(s, '/v1/workflows/timed/runs', { json: {} })).json()) as Json;
    const t0 = Date.now();
    const follow = await weft(['runs', 'events', id, '--follow', '--json', '--server', s.url]);
    expect(follow.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(300);
    const evs = follow.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(evs.map((e) => e['seq'])).toEqual(evs.map((_, i) => i + 1));
    expect(evs.at(-1)?.['type']).toBe('run.succeeded');
    expect(evs.some((e) => e['type'] === 'message' && e['data']['text'] === 'bye')).toBe(true);
    expect(await s.stop()).toBe(0);
  });

  it('input, pause, resume and retry follow the run with the exit codes of weft run', async () => {
    const s = await serve(['--db', tempDb()]);
    const server = ['--server', s.url];
    await api(s, '/v1/workflows', {
      yaml: [
        'id: two-questions',
        'nodes:',
        '  - { id: q1, type: human, with: { prompt: "first?", schema: { type: boolean } } }',
        '  - { id: q2, type: human, needs: [q1], with: { prompt: "second?" } }',
        '  - { id: end, type: transform, needs: [q2], with: { expression: "q2" } }',
      ].join('\n'),
    });
    const { id } = (await (
      await api(s, '/v1/workflows/two-questions/runs?wait=true', { json: {} })
    ).json()) as Json;
    const bad = await weft(['runs', 'input', id, '--node', 'q1', '--value', '"yes"', ...server]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid_answer: .*\n {2}value: must be boolean/);
    const first = await weft(['runs', 'input', id, '--node', 'q1', '--value', 'true', ...server]);
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(
      /is waiting \(waiting: q2\); answer with: weft runs input .* --node q2 .*--server/,
    );
    const paused = await weft(['runs', 'pause', id, ...server]);
    expect(paused).toMatchObject({ code: 0, stdout: `run ${id} paused\n` });
    const resumed = await weft(['runs', 'resume', id, ...server]);
    expect(resumed.code).toBe(3);
    const last = await weft([
      'runs',
      'input',
      id,
      '--node',
      'q2',
      '--value',
      'done',
      '--json',
      ...server,
    ]);
    expect(last.code).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ status: 'succeeded', output: 'done' });
    const again = await weft(['runs', 'resume', id, ...server]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/invalid_state/);

    await api(s, '/v1/workflows', {
      yaml: 'id: broken\nnodes:\n  - { id: f, type: fail, with: { code: nope, message: "always" } }\n',
    });
    const failed = (await (
      await api(s, '/v1/workflows/broken/runs?wait=true', { json: {} })
    ).json()) as Json;
    const retried = await weft(['runs', 'retry', failed['id'], ...server]);
    expect(retried.code).toBe(1);
    expect(retried.stderr).toMatch(/failed: nope: always/);
    expect(await s.stop()).toBe(0);
  });

  it('drains on SIGTERM: exits 0, a node still running after WEFT_DRAIN_MS is aborted, and the run finishes after a restart', async () => {
    let calls = 0;
    let release: (() => void) | undefined;
    const slow: Server = createServer((req, res) => {
      calls++;
      const answer = () => res.end(JSON.stringify({ ok: true, call: calls }));
      if (calls === 1) release = answer;
      else answer();
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
    const db = tempDb();
    const allow = { WEFT_HTTP_ALLOW: '127.0.0.1' };
    try {
      const s = await serve(['--db', db], { ...allow, WEFT_DRAIN_MS: '300' });
      await api(s, '/v1/workflows', {
        yaml: `id: calls\nnodes:\n  - { id: get, type: http, with: { method: GET, url: "${slowUrl}" } }\n`,
      });
      const { id } = (await (
        await api(s, '/v1/workflows/calls/runs', { json: {} })
      ).json()) as Json;
      await waitFor(() => calls === 1);
      const t0 = Date.now();
      expect(await s.stop('SIGTERM')).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(s.stderr()).toMatch(/SIGTERM: draining \(up to 300 ms\)/);
      expect(s.stderr()).toMatch(/nodes still running after 300 ms are stopped/);
      release?.();

      const again = await serve(['--db', db], allow);
      const run = (await (await api(again, `/v1/runs/${id}?wait=true`)).json()) as Json;
      expect(run['status']).toBe('succeeded');
      expect(run['nodes']['get']['attempts']).toBe(2);
      expect(calls).toBe(2);
      expect(await again.stop()).toBe(0);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});
