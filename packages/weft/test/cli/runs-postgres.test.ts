/**
 * `weft publish`, `weft run`, `weft runs ...`, `weft workflows ...` and `weft doctor` with
 * `--postgres URL`, beside a `weft worker` on the same database: the real binaries on a real
 * PostgreSQL server, one schema per test. The commands read the database, or move a run and hand
 * it to the workers, which carry it on; the command's own process executes no node.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import {
  example,
  expectExit,
  parseJson,
  requireBuild,
  sandbox,
  startWeft,
  weft,
  type CliProcess,
  type CliResult,
  type Sandbox,
} from './harness.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

/** Nothing from the test runner's environment chooses the database. */
const env = { WEFT_SECRET_KEY: 'k'.repeat(40), WEFT_POSTGRES_URL: '', WEFT_LOG_LEVEL: 'info' };

const started: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
});

const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  weft(args, { cwd: box.dir, env: { ...env, ...extra }, timeoutMs: 60_000 });

function start(args: string[], extra: Record<string, string> = {}): CliProcess {
  const p = startWeft(args, { cwd: box.dir, env: { ...env, ...extra }, timeoutMs: 60_000 });
  started.push(p);
  return p;
}

/** A `weft worker` on `url`, once it says it runs. */
async function worker(url: string, extra: Record<string, string> = {}): Promise<CliProcess> {
  const p = start(['worker', '--postgres', url, '--concurrency', '4'], extra);
  await p.waitForStderr(/"msg":"worker \S+ on postgres:/);
  return p;
}

/** The run id `weft run --postgres` says it started. */
const startedId = (stderr: string) => /^run (\S+) started for the workers$/m.exec(stderr)?.[1];

/** Whether the worker logged `msg` for `node` of `runId` (its log of the run's state changes). */
function workerLogged(w: CliProcess, runId: string, node: string, msg: string): boolean {
  return w.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .some((e) => e['runId'] === runId && e['node'] === node && e['msg'] === msg);
}

// Each test starts several processes of the CLI, one after the other.
const manyProcesses = { timeout: 120_000 };

describe('weft publish, run, runs and workflows --postgres beside a worker', manyProcesses, () => {
  it('publishes, runs on the worker, and lists and shows the run', async () => {
    const url = schemas.urlFor(await schemas.create());
    const published = await cli(['publish', example('hello.yaml'), '--postgres', url]);
    expectExit(published, 0);
    expect(published.stdout).toBe('published hello version 1\n');
    const listed = await cli(['workflows', 'list', '--postgres', url, '--json']);
    expectExit(listed, 0);
    expect(parseJson(listed).workflows.map((w: { id: string }) => w.id)).toEqual(['hello']);

    const w = await worker(url);
    const run = await cli([
      'run',
      example('hello.yaml'),
      '--postgres',
      url,
      '--input',
      '{"name":"Ada"}',
      '--json',
    ]);
    expectExit(run, 0);
    const view = parseJson(run);
    expect(view).toMatchObject({ status: 'succeeded', output: { greeting: 'Hello, Ada!' } });
    expect(startedId(run.stderr)).toBe(view.id);
    // The worker carried it: every node's start and end is in its log.
    for (const node of ['greet', 'shout', 'say']) {
      expect(workerLogged(w, view.id, node, 'node.succeeded'), w.stderr).toBe(true);
    }

    const list = await cli(['runs', 'list', '--postgres', url, '--json']);
    expectExit(list, 0);
    expect(parseJson(list).runs).toMatchObject([{ id: view.id, status: 'succeeded' }]);
    const show = await cli(['runs', 'show', view.id.slice(0, 12), '--postgres', url]);
    expectExit(show, 0);
    expect(show.stdout).toMatch(new RegExp(`^run +${view.id}$`, 'm'));
    expect(show.stdout).toMatch(/^status +succeeded$/m);
    expect(show.stdout).toMatch(/^shout +succeeded +1 /m);
    const events = await cli(['runs', 'events', view.id, '--postgres', url]);
    expectExit(events, 0);
    expect(events.stdout.trimEnd().split('\n').at(-1)).toMatch(/\trun\.succeeded\t/);
  });

  it('takes WEFT_POSTGRES_URL when neither --db nor --server is given', async () => {
    const url = schemas.urlFor(await schemas.create());
    expectExit(await cli(['publish', example('hello.yaml')], { WEFT_POSTGRES_URL: url }), 0);
    const listed = await cli(['workflows', 'show', 'hello', '--json'], { WEFT_POSTGRES_URL: url });
    expectExit(listed, 0);
    expect(parseJson(listed)).toMatchObject({ id: 'hello', version: 1 });
    // --db says the file is meant: the environment's database is not used.
    const local = await cli(['workflows', 'list', '--json', '--db', box.db], {
      WEFT_POSTGRES_URL: url,
    });
    expectExit(local, 1);
    expect(local.stderr).toMatch(/^no database at /);
  });

  it('runs input answers a human node; the worker, not the command, carries the run on', async () => {
    const url = schemas.urlFor(await schemas.create());
    const w = await worker(url);
    const asked = await cli([
      'run',
      example('human.yaml'),
      '--postgres',
      url,
      '--input',
      '{"amount":5}',
    ]);
    expectExit(asked, 3);
    const id = startedId(asked.stderr) as string;
    expect(asked.stderr).toContain(
      `answer with: weft runs input ${id} --node approve --value JSON --postgres '${url}'`,
    );

    const answered = await cli([
      'runs',
      'input',
      id,
      '--node',
      'approve',
      '--value',
      '{"approved":true}',
      '--postgres',
      url,
      '--json',
    ]);
    expectExit(answered, 0);
    expect(parseJson(answered)).toMatchObject({ id, status: 'succeeded', output: { paid: 5 } });
    expect(workerLogged(w, id, 'pay', 'node.succeeded'), w.stderr).toBe(true);
  });

  it('leaves what an answer makes ready to the workers: without one, the run waits for one', async () => {
    const url = schemas.urlFor(await schemas.create());
    const first = await worker(url);
    const asked = await cli([
      'run',
      example('human.yaml'),
      '--postgres',
      url,
      '--input',
      '{"amount":7}',
    ]);
    expectExit(asked, 3);
    const id = startedId(asked.stderr) as string;
    expectExit(await first.stop('SIGTERM'), 0);

    const answering = start([
      'runs',
      'input',
      id,
      '--node',
      'approve',
      '--value',
      '{"approved":true}',
      '--postgres',
      url,
    ]);
    await answering.waitForStderr(
      /^no worker is running on this database: run \S+ waits until one starts \(weft worker --postgres /m,
    );
    // The answer is stored and the run goes no further while no worker runs.
    const waiting = parseJson(await cli(['runs', 'show', id, '--postgres', url, '--json']));
    expect(waiting).toMatchObject({
      status: 'running',
      nodes: { approve: { status: 'succeeded' } },
    });
    expect(waiting.nodes.pay.status).toBe('pending');

    const second = await worker(url);
    const done = await answering.result;
    expectExit(done, 0);
    expect(JSON.parse(done.stdout)).toEqual({ answer: { approved: true }, paid: 7 });
    expect(done.stderr).toMatch(new RegExp(`^run ${id} succeeded`, 'm'));
    expect(workerLogged(second, id, 'pay', 'node.succeeded'), second.stderr).toBe(true);
  });

  it('runs events --follow streams what a worker commits, to the run’s end', async () => {
    const url = schemas.urlFor(await schemas.create());
    await worker(url);
    const asked = await cli([
      'run',
      example('human.yaml'),
      '--postgres',
      url,
      '--input',
      '{"amount":1}',
    ]);
    expectExit(asked, 3);
    const id = startedId(asked.stderr) as string;
    const following = start(['runs', 'events', id, '--follow', '--postgres', url]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(following.child.exitCode).toBeNull();
    const answer = ['--node', 'approve', '--value', '{"approved":false}'];
    expectExit(await cli(['runs', 'input', id, ...answer, '--postgres', url]), 0);
    const streamed = await following.result;
    expectExit(streamed, 0);
    expect(streamed.stdout.trimEnd().split('\n').at(-1)).toMatch(/\trun\.succeeded\t/);
  });

  it('runs cancel cancels a waiting run, and one a worker holds (handed to that worker)', async () => {
    const url = schemas.urlFor(await schemas.create());
    const requests = new Set<string>();
    const closed = new Set<string>();
    const server: Server = createServer((req) => {
      // Never answered: the node runs until the run is cancelled.
      requests.add(req.url ?? '');
      req.on('close', () => closed.add(req.url ?? ''));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await worker(url, { WEFT_HTTP_ALLOW: '127.0.0.1' });
      const asked = await cli([
        'run',
        example('human.yaml'),
        '--postgres',
        url,
        '--input',
        '{"amount":3}',
      ]);
      const waitingId = startedId(asked.stderr) as string;
      const cancelled = await cli(['runs', 'cancel', waitingId, '--postgres', url]);
      expectExit(cancelled, 0);
      expect(cancelled.stdout).toBe(`run ${waitingId} cancelled\n`);

      const slow = box.write(
        'slow.yaml',
        `id: slow
nodes:
  - id: call
    type: http
    with: { url: "${base}/hang" }
`,
      );
      const running = start(['run', slow, '--postgres', url]);
      await running.waitForStderr(/^▶ call started/m);
      for (let i = 0; i < 100 && !requests.has('/hang'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(requests.has('/hang')).toBe(true);
      const heldId = startedId(running.stderr) as string;
      const stopped = await cli(['runs', 'cancel', heldId, '--postgres', url, '--json']);
      expectExit(stopped, 0);
      expect(parseJson(stopped)).toMatchObject({ id: heldId, status: 'cancelled' });
      // The follower sees the end, and the worker aborted the node's request.
      const followed = await running.result;
      expectExit(followed, 1);
      expect(followed.stderr).toMatch(/^■ call cancelled\nrun cancelled\n$/m);
      for (let i = 0; i < 100 && !closed.has('/hang'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(closed.has('/hang')).toBe(true);

      const list = await cli([
        'runs',
        'list',
        '--status',
        'cancelled',
        '--postgres',
        url,
        '--json',
      ]);
      expect(
        parseJson(list)
          .runs.map((r: { id: string }) => r.id)
          .sort(),
      ).toEqual([waitingId, heldId].sort());
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('weft doctor --postgres', manyProcesses, () => {
  it('says the schema is up to date and names the live workers', async () => {
    const schema = await schemas.create();
    const url = schemas.urlFor(schema);
    const empty = await cli(['doctor', '--postgres', url]);
    expectExit(empty, 0);
    expect(empty.stdout).toMatch(/: ok\n {2}schema: \d+ migrations to apply \(0001_initial, /);
    expect(empty.stdout).toMatch(/^ {2}workers: none live; /m);

    const w = await worker(url);
    const checked = await cli(['doctor', '--postgres', url, '--json']);
    expectExit(checked, 0);
    const report = parseJson(checked);
    expect(report).toMatchObject({ ok: true, problems: [], schema: { pending: [] } });
    expect(report.schema.applied).toContain('0003_cluster');
    expect(report.workers.map((x: { where: string }) => x.where)).toEqual([
      expect.stringMatching(new RegExp(`:${String(w.child.pid)}$`)),
    ]);
    const text = await cli(['doctor', '--postgres', url]);
    expect(text.stdout).toMatch(/^ {2}schema: up to date \(\d+ migrations\)$/m);
    expect(text.stdout).toMatch(/^ {2}workers: 1 live$/m);
  });

  it('is not ok, exit 1, for a server it cannot reach or a schema that is not Weft’s', async () => {
    const unreachable = await cli([
      'doctor',
      '--postgres',
      'postgres://weft:hunter2@127.0.0.1:1/weft',
    ]);
    expectExit(unreachable, 1);
    expect(unreachable.stdout).toMatch(
      /^postgres:\/\/weft@127\.0\.0\.1:1\/weft: not ok\n {2}storage_error: cannot use PostgreSQL at .*ECONNREFUSED/,
    );
    expect(unreachable.stdout + unreachable.stderr).not.toContain('hunter2');

    const schema = await schemas.create();
    await schemas.run(`CREATE TABLE "${schema}".orders (id int)`);
    const foreign = await cli(['doctor', '--postgres', schemas.urlFor(schema), '--json']);
    expectExit(foreign, 1);
    expect(parseJson(foreign)).toMatchObject({ ok: false });
    expect(parseJson(foreign).problems[0]).toMatch(/^store_not_weft: /);
    // Nothing was written to the other application's schema.
    const tables = await schemas.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [schema],
    );
    expect(tables).toEqual([{ table_name: 'orders' }]);
  });
});

describe('--postgres beside the other places', () => {
  it('refuses --postgres with --server or --db, and --sync on PostgreSQL, exit 2', async () => {
    const url = 'postgres://weft@127.0.0.1:1/weft';
    const both = await cli(['runs', 'list', '--postgres', url, '--server', 'http://127.0.0.1:1']);
    expectExit(both, 2);
    expect(both.stderr).toBe('give --server URL or --postgres URL, not both\n');
    const db = await cli(['publish', example('hello.yaml'), '--postgres', url, '--db', box.db]);
    expectExit(db, 2);
    expect(db.stderr).toBe('give --db PATH or --postgres URL, not both\n');
    const sync = await cli(['run', example('hello.yaml'), '--postgres', url, '--sync', 'full']);
    expectExit(sync, 2);
    expect(sync.stderr).toMatch(/^--sync sets the durability of the local database: PostgreSQL/);
  });
});
