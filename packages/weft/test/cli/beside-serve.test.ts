/**
 * Processes sharing one database file (issue 13): while `weft serve` runs on `--db`, `weft run`,
 * `weft runs` and `weft publish` on the same file open it themselves, beside the server. A run
 * `weft run` starts is carried by that process; killed, the server (or a `weft worker --db`)
 * carries it on once its lease lapses. What needs the file alone (`weft tenants move`) is still refused while the server runs.
 * A command given `--server` goes through that server, with its API key.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectExit, parseJson, requireBuild, sandbox, type Sandbox } from './harness.js';
import { serveBox } from './serve.js';

const KEY = 'cli-acme-key-0123456789';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

const ids = (r: { stdout: string; stderr: string }) =>
  parseJson<{ runs: { id: string }[] }>(r).runs.map((x) => x.id);

describe.sequential('a database file weft serve shares', () => {
  it('weft run runs beside the server; both see the run; runs and publish work beside it', async () => {
    const { url, proc } = await serveBox(box);
    const run = await box.weft([
      'run',
      example('hello.yaml'),
      '--input',
      '{"name":"Ada"}',
      '--json',
    ]);
    expectExit(run, 0);
    const id = parseJson<{ id: string; status: string }>(run).id;
    expect(parseJson(run)).toMatchObject({
      status: 'succeeded',
      output: { greeting: 'Hello, Ada!' },
    });
    expect(run.stderr).not.toMatch(/using the server|store_locked/);

    const local = await box.weft(['runs', 'list', '--json']);
    expectExit(local, 0);
    expect(ids(local)).toEqual([id]);
    expect(local.stderr).toBe('');
    const remote = await box.weft(['runs', 'list', '--json', '--server', url]);
    expect(ids(remote)).toEqual([id]);

    const published = await box.weft(['publish', example('hello.yaml')]);
    expectExit(published, 0);
    expect(published.stdout).toBe('hello version 1 is unchanged: it has the same content\n');
    expect(published.stderr).toBe('');

    const move = await box.weft(['tenants', 'move', 'default', 'acme']);
    expectExit(move, 1);
    expect(move.stderr).toMatch(/is in use .*shared with other processes.*stop weft serve/);

    expectExit(await proc.stop('SIGTERM'), 0);
    const after = await box.weft(['runs', 'list', '--json']);
    expect(ids(after)).toEqual([id]);
  }, 120_000);

  it.each(['serve', 'worker'] as const)(
    'a run whose weft run is killed mid-call is carried on by weft %s once the lease lapses',
    async (carrier) => {
      // A side effect that takes a while: the kill lands while the call is in flight.
      const calls: string[] = [];
      const slow: Server = createServer((req, res) => {
        calls.push(String(req.headers['idempotency-key']));
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}'),
          2000,
        );
      });
      await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
      const port = (slow.address() as AddressInfo).port;
      try {
        box.write(
          'slow.yaml',
          `id: slow
nodes:
  - id: call
    type: http
    with: { url: "http://127.0.0.1:${port}/effect" }
outputs:
  ok: "{{ call.body.ok }}"
`,
        );
        const proc =
          carrier === 'serve'
            ? (await serveBox(box)).proc
            : box.start(['worker', '--db', box.db], { env: { WEFT_LOG_LEVEL: 'info' } });
        if (carrier === 'worker') await proc.waitForStderr(/concurrency 64/);
        const env = { WEFT_HTTP_ALLOW: '127.0.0.1' };
        const runner = box.start(['run', 'slow.yaml'], { env });
        for (let i = 0; i < 300 && calls.length === 0; i++) await sleep(50);
        expect(calls).toHaveLength(1);
        await runner.stop('SIGKILL');

        const list = await box.weft(['runs', 'list', '--workflow', 'slow', '--json']);
        const [id] = ids(list);
        // The server takes the run once the killed process's lease (10 s) lapses, and calls again.
        let status = '';
        for (let i = 0; i < 200 && status !== 'succeeded'; i++) {
          await sleep(200);
          const shown = await box.weft(['runs', 'show', id!, '--json']);
          status = parseJson<{ status: string }>(shown).status;
        }
        expect(status).toBe('succeeded');
        expect(calls).toEqual([`${id}:call`, `${id}:call`]);
        expectExit(await proc.stop('SIGTERM'), 0);
      } finally {
        await new Promise((r) => slow.close(r));
      }
    },
    120_000,
  );

  it('a command given --server goes through it: without a key it says what to pass; --key and WEFT_API_KEY work', async () => {
    const { url, proc } = await serveBox(box, { WEFT_API_KEYS: `acme:${KEY}` });
    const bare = await box.weft(['run', example('hello.yaml'), '--server', url]);
    expectExit(bare, 1);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(
      new RegExp(
        `^the server at ${url.replace(/[.:/]/g, '\\$&')} needs an API key: pass --key KEY or set WEFT_API_KEY`,
        'm',
      ),
    );
    const list = await box.weft(['workflows', 'list', '--server', url]);
    expectExit(list, 1);
    expect(list.stderr).toMatch(/needs an API key: pass --key KEY or set WEFT_API_KEY/);

    const withKey = await box.weft([
      'run',
      example('hello.yaml'),
      '--server',
      url,
      '--key',
      KEY,
      '--json',
    ]);
    expectExit(withKey, 0);
    const id = parseJson<{ id: string }>(withKey).id;
    const fromEnv = await box.weft(['runs', 'show', id, '--json', '--server', url], {
      env: { WEFT_API_KEY: KEY },
    });
    expectExit(fromEnv, 0);
    expect(parseJson(fromEnv)).toMatchObject({ id, status: 'succeeded' });
    const wrong = await box.weft(['runs', 'list', '--server', url, '--key', 'not-the-key']);
    expectExit(wrong, 1);
    expect(wrong.stderr).toMatch(/^unauthorized: /m);
    expectExit(await proc.stop('SIGTERM'), 0);
  }, 120_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
