/**
 * `weft serve --postgres URL` and `weft migrate --postgres URL` as a user runs them: the real
 * binary on a real PostgreSQL server, each test in a schema of its own. A workflow published and
 * run through the HTTP API is still there, events and all, after the server is stopped and started
 * again.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import {
  example,
  expectExit,
  requireBuild,
  sandbox,
  startWeft,
  weft,
  type CliProcess,
  type Sandbox,
} from './harness.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

let box: Sandbox;
beforeEach(() => {
  requireBuild();
  box = sandbox();
});
afterEach(() => box.remove());

const env = { WEFT_LOG_LEVEL: 'warn', WEFT_SECRET_KEY: 'k'.repeat(40) };

async function serve(
  url: string,
  started: CliProcess[],
): Promise<{ base: string; proc: CliProcess }> {
  const proc = startWeft(['serve', '--port', '0', '--postgres', url], { cwd: box.dir, env });
  started.push(proc);
  let base: string | undefined;
  for (let i = 0; i < 300 && base === undefined; i++) {
    base = /listening on (http:\S+)/.exec(proc.stdout)?.[1];
    if (base === undefined && proc.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
  }
  expect(base, proc.stdout + proc.stderr).toBeDefined();
  return { base: base as string, proc };
}

const api = async (base: string, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as any };
};

describe('weft serve --postgres', () => {
  const started: CliProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
  });

  it('runs a workflow through the API and keeps it across a restart', async () => {
    const url = schemas.urlFor(await schemas.create());
    const first = await serve(url, started);
    const published = await api(first.base, '/v1/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: readFileSync(example('hello.yaml'), 'utf8'),
    });
    expect(published).toMatchObject({ status: 201, body: { id: 'hello', version: 1 } });
    const ran = await api(first.base, '/v1/workflows/hello/runs?wait=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { name: 'Ada' } }),
    });
    expect(ran.status).toBe(201);
    expect(ran.body).toMatchObject({
      status: 'succeeded',
      output: { greeting: 'Hello, Ada!', shouted: 'HELLO, ADA!', letters: 3 },
    });
    const id = ran.body.id as string;
    const events = (await api(first.base, `/v1/runs/${id}/events`)).body.events as any[];
    expect(events[0]).toMatchObject({ seq: 1, type: 'run.started' });
    expect(events.at(-1)).toMatchObject({
      type: 'run.succeeded',
      data: { output: ran.body.output },
    });

    const stopped = await first.proc.stop('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(0);

    const second = await serve(url, started);
    const again = await api(second.base, `/v1/runs/${id}`);
    expect(again.body).toStrictEqual(ran.body);
    expect((await api(second.base, `/v1/runs/${id}/events`)).body.events).toStrictEqual(events);
    const list = await api(second.base, '/v1/runs');
    expect(list.body.runs.map((r: { id: string }) => r.id)).toEqual([id]);
  }, 90_000);

  it('refuses, in one line and with exit 1, a server that cannot be reached', async () => {
    const r = await weft(
      ['serve', '--port', '0', '--postgres', 'postgres://weft:pw@127.0.0.1:1/x'],
      {
        cwd: box.dir,
        env,
      },
    );
    expectExit(r, 1);
    expect(r.stderr).toMatch(
      /cannot use PostgreSQL at postgres:\/\/weft@127\.0\.0\.1:1\/x: .*ECONNREFUSED/,
    );
    expect(r.stderr).not.toContain(':pw@');
  });

  it('refuses --db beside --postgres, and a URL that is not PostgreSQL’s, with exit 2', async () => {
    const both = await box.weft(['serve', '--postgres', 'postgres://h/db']);
    expectExit(both, 2);
    expect(both.stderr).toMatch(/give --db PATH or --postgres URL, not both/);
    const wrong = await weft(['serve'], {
      cwd: box.dir,
      env: { ...env, WEFT_POSTGRES_URL: 'mysql://h/db' },
    });
    expectExit(wrong, 2);
    expect(wrong.stderr).toMatch(/WEFT_POSTGRES_URL must be a PostgreSQL URL/);
  });
});

describe('weft keys --postgres', () => {
  const started: CliProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
  });

  it('makes keys for a server on the same database, one made while it runs working at once', async () => {
    const url = schemas.urlFor(await schemas.create());
    const create = async () => {
      const r = await weft(['keys', 'create', '--tenant', 'acme', '--postgres', url, '--json'], {
        cwd: box.dir,
        env,
      });
      expectExit(r, 0);
      return (JSON.parse(r.stdout) as { key: string }).key;
    };
    const first = await create();
    const s = await serve(url, started);
    const second = await create();
    const status = async (key?: string) =>
      (
        await fetch(`${s.base}/v1/workflows`, {
          headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
        })
      ).status;
    expect(await status(first)).toBe(200);
    expect(await status(second)).toBe(200);
    expect(await status()).toBe(401);
    expect(await status(`${first}x`)).toBe(401);
  }, 60_000);
});

describe('weft tenants move --postgres', () => {
  it('gives what the open mode made to a tenant', async () => {
    const url = schemas.urlFor(await schemas.create());
    const started: CliProcess[] = [];
    const s = await serve(url, started);
    const published = await api(s.base, '/v1/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: readFileSync(example('hello.yaml'), 'utf8'),
    });
    expect(published.status).toBe(201);
    expect((await s.proc.stop('SIGTERM')).code).toBe(0);
    const r = await weft(['tenants', 'move', 'default', 'acme', '--postgres', url, '--json'], {
      cwd: box.dir,
      env,
    });
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toEqual({ workflows: 1, runs: 0, schedules: 0, credentials: 0 });
  }, 60_000);
});

describe('weft migrate --postgres', () => {
  it('creates the schema once and refuses another application’s tables', async () => {
    const schema = await schemas.create();
    const url = schemas.urlFor(schema);
    for (let i = 0; i < 2; i++) {
      const r = await weft(['migrate', '--postgres', url], { cwd: box.dir, env });
      expectExit(r, 0);
      expect(r.stdout).toMatch(/: schema up to date\n$/);
    }
    const foreign = await schemas.create();
    await schemas.run(`CREATE TABLE "${foreign}".orders (id int)`);
    const r = await weft(['migrate'], {
      cwd: box.dir,
      env: { ...env, WEFT_POSTGRES_URL: schemas.urlFor(foreign) },
    });
    expectExit(r, 1);
    expect(r.stderr).toMatch(
      /is not a Weft database \(schema \S+ holds 1 table\(s\) of its own: orders\)/,
    );
  });
});
