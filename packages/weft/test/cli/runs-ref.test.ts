/**
 * RUN in `weft runs ...` may be a unique prefix of a run id, or `last` (issue #9, item 14), on a
 * local database and against a server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  parseJson,
  requireBuild,
  sandbox,
  weft,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
/** Run ids in the order they were made. */
const ids: string[] = [];

beforeAll(async () => {
  requireBuild();
  box = sandbox();
  for (const input of ['{"name":"Ada"}', '{"name":"Bob"}']) {
    const r = await box.weft(['run', example('hello.yaml'), '--input', input, '--json']);
    expectExit(r, 0);
    ids.push(parseJson<{ id: string }>(r).id);
  }
  const waiting = await box.weft([
    'run',
    example('human.yaml'),
    '--input',
    '{"amount":5}',
    '--json',
  ]);
  expectExit(waiting, 3);
  ids.push(parseJson<{ id: string }>(waiting).id);
}, 60_000);
afterAll(() => box.remove());

/** The shortest prefix of `id` that no other run id starts with. */
function uniquePrefix(id: string): string {
  for (let n = 1; n <= id.length; n++) {
    const p = id.slice(0, n);
    if (ids.filter((x) => x.startsWith(p)).length === 1) return p;
  }
  return id;
}

/** The longest prefix the first two runs share (ids made the same second share a lot). */
function sharedPrefix(): string {
  const [a = '', b = ''] = ids;
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

describe.concurrent('weft runs RUN on a local database', () => {
  it('a unique prefix names the run', async () => {
    const id = ids[1]!;
    const r = await box.weft(['runs', 'show', uniquePrefix(id), '--json']);
    expectExit(r, 0);
    expect(parseJson(r)).toMatchObject({ id, input: { name: 'Bob' } });
    const events = await box.weft(['runs', 'events', id.slice(0, 20), '--json']);
    expectExit(events, 0);
    // Bob's events, not another run's.
    expect(events.stdout).toContain('Hello, Bob!');
    expect(events.stdout).not.toContain('Ada');
  });

  it('`last` is the latest run', async () => {
    const r = await box.weft(['runs', 'show', 'last', '--json']);
    expectExit(r, 0);
    expect(parseJson(r)).toMatchObject({ id: ids[2], status: 'waiting' });
  });

  it('an ambiguous prefix exits 2 listing the runs it matches', async () => {
    const prefix = sharedPrefix();
    expect(prefix.length).toBeGreaterThan(0);
    const r = await box.weft(['runs', 'show', prefix]);
    expectExit(r, 2);
    expect(r.stderr).toMatch(
      new RegExp(`^run id prefix "${prefix}" is ambiguous: it matches `, 'm'),
    );
    for (const id of ids.filter((x) => x.startsWith(prefix))) expect(r.stderr).toContain(id);
    expect(r.stderr).toMatch(/give more of the id$/m);
  });

  it('a prefix of no run exits 1: no run', async () => {
    const r = await box.weft(['runs', 'show', 'zzzz']);
    expectExit(r, 1);
    expect(r.stderr).toBe('no run zzzz\n');
  });
});

describe('weft runs RUN that changes a run', () => {
  it('cancel by prefix', async () => {
    const id = ids[2]!;
    const r = await box.weft(['runs', 'cancel', uniquePrefix(id)]);
    expectExit(r, 0);
    expect(r.stdout).toBe(`run ${id} cancelled\n`);
  });
});

describe('weft runs RUN --server', () => {
  it('a prefix and `last` are resolved through the API', async () => {
    const server = box.start(['serve', '--port', '0']);
    // `listening on URL` comes on stdout once connections are accepted.
    let url: string | undefined;
    for (let i = 0; i < 300 && url === undefined; i++) {
      url = /listening on (http:\S+)/.exec(server.stdout)?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, server.stdout + server.stderr).toBeDefined();
    const remote = (...args: string[]) => weft([...args, '--server', url!], { cwd: box.dir });
    const last = await remote('runs', 'show', 'last', '--json');
    expectExit(last, 0);
    expect(parseJson(last)).toMatchObject({ id: ids[2] });
    const byPrefix = await remote('runs', 'show', uniquePrefix(ids[0]!), '--json');
    expectExit(byPrefix, 0);
    expect(parseJson(byPrefix)).toMatchObject({ id: ids[0] });
    const none = await remote('runs', 'show', 'zzzz');
    expectExit(none, 1);
    expect(none.stderr).toBe('no run zzzz\n');
    await server.stop('SIGTERM');
  }, 60_000);
});
