/**
 * One process per database (issue #9 item 15): while `weft serve` holds the database, `weft run`,
 * `weft runs`, `weft publish` and `weft workflows` on it go through that server, say so, and ask
 * for an API key when the server has keys; once it stops, they open the database themselves.
 */
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

describe.sequential('a database held by weft serve', () => {
  it('weft run goes through the server; the run is listed through it, with --server and after it stops', async () => {
    const { url, proc } = await serveBox(box);
    const using = `using the server at ${url} that holds ${box.db}`;
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
    expect(run.stderr).toContain(`${using}\n`);
    expect(run.stderr).not.toMatch(/store_locked/);

    const held = await box.weft(['runs', 'list', '--json']);
    expectExit(held, 0);
    expect(ids(held)).toEqual([id]);
    expect(held.stderr).toBe(`${using}\n`);
    const remote = await box.weft(['runs', 'list', '--json', '--server', url]);
    expect(ids(remote)).toEqual([id]);
    expect(remote.stderr).toBe('');

    const published = await box.weft(['publish', example('hello.yaml')]);
    expectExit(published, 0);
    expect(published.stdout).toBe('hello version 1 is unchanged: it has the same content\n');
    expect(published.stderr).toBe(`${using}\n`);

    expectExit(await proc.stop('SIGTERM'), 0);
    const local = await box.weft(['runs', 'list', '--json']);
    expectExit(local, 0);
    expect(ids(local)).toEqual([id]);
    expect(local.stderr).toBe('');
    // Free again: weft run opens the database itself.
    const after = await box.weft(['run', example('hello.yaml')]);
    expectExit(after, 0);
    expect(after.stderr).not.toMatch(/using the server/);
  }, 120_000);

  it('a server with API keys: without one the command says what to pass; --key and WEFT_API_KEY work', async () => {
    const { url, proc } = await serveBox(box, { WEFT_API_KEYS: `acme:${KEY}` });
    const bare = await box.weft(['run', example('hello.yaml')]);
    expectExit(bare, 1);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain(`using the server at ${url} that holds ${box.db}\n`);
    expect(bare.stderr).toMatch(
      new RegExp(
        `^the server at ${url.replace(/[.:/]/g, '\\$&')} needs an API key: pass --key KEY or set WEFT_API_KEY`,
        'm',
      ),
    );
    const list = await box.weft(['workflows', 'list']);
    expectExit(list, 1);
    expect(list.stderr).toMatch(/needs an API key: pass --key KEY or set WEFT_API_KEY/);

    const withKey = await box.weft(['run', example('hello.yaml'), '--key', KEY, '--json']);
    expectExit(withKey, 0);
    const id = parseJson<{ id: string }>(withKey).id;
    const fromEnv = await box.weft(['runs', 'show', id, '--json'], { env: { WEFT_API_KEY: KEY } });
    expectExit(fromEnv, 0);
    expect(parseJson(fromEnv)).toMatchObject({ id, status: 'succeeded' });
    const wrong = await box.weft(['runs', 'list', '--key', 'not-the-key']);
    expectExit(wrong, 1);
    expect(wrong.stderr).toMatch(/^unauthorized: /m);
    expectExit(await proc.stop('SIGTERM'), 0);
  }, 120_000);

  it('a database held by a weft run (no server) is still refused with store_locked', async () => {
    box.write(
      'hold.yaml',
      'id: hold\nnodes:\n  - { id: pause, type: wait, with: { duration: 60000 } }\n',
    );
    const holder = box.start(['run', 'hold.yaml']);
    await holder.waitForStderr(/^⏸ pause waiting until /m);
    const r = await box.weft(['publish', example('hello.yaml')]);
    expectExit(r, 1);
    expect(r.stderr).toMatch(/^store_locked: database \S+ is in use by process \d+/m);
    expect(r.stderr).not.toMatch(/using the server/);
    await holder.stop('SIGINT');
  }, 60_000);
});
