/**
 * A lean store from the command line (issue #10, items 4 and 5): `weft runs prune` and
 * `weft runs delete` (locally and through the server holding the database), the workflows'
 * `retention` applied by `weft run`, and `--sync full|normal` / `WEFT_SYNC` on run and serve.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  listRuns,
  parseJson,
  requireBuild,
  sandbox,
  type Sandbox,
} from './harness.js';
import { serveBox } from './serve.js';

let box: Sandbox;
beforeEach(() => {
  requireBuild();
  box = sandbox();
});
afterEach(() => box.remove());

const idOf = (r: { stdout: string; stderr: string }) => parseJson<{ id: string }>(r).id;

async function seed(): Promise<{ done: string[]; waiting: string }> {
  const done: string[] = [];
  for (const name of ['Ada', 'Bob']) {
    const r = await box.weft([
      'run',
      example('hello.yaml'),
      '--input',
      JSON.stringify({ name }),
      '--json',
    ]);
    expectExit(r, 0);
    done.push(idOf(r));
  }
  const ask = await box.weft(['run', example('human.yaml'), '--input', '{"amount":5}', '--json']);
  expectExit(ask, 3);
  return { done, waiting: idOf(ask) };
}

describe('weft runs prune and delete on a local database', () => {
  it('deletes a finished run, refuses a waiting one, prunes the rest and says what it gave back', async () => {
    const { done, waiting } = await seed();
    const r = await box.weft(['runs', 'delete', done[1] as string]);
    expectExit(r, 0);
    expect(r.stdout).toBe(`run ${done[1]} deleted\n`);
    const refused = await box.weft(['runs', 'delete', waiting]);
    expectExit(refused, 1);
    expect(refused.stderr).toMatch(/is waiting: only a finished run can be deleted/);

    const young = await box.weft(['runs', 'prune', '--older-than', '1h']);
    expectExit(young, 0);
    expect(young.stdout).toBe(`0 finished runs deleted; ${box.db} is 0 B smaller\n`);
    const pruned = await box.weft(['runs', 'prune', '--older-than', '0s', '--json']);
    expectExit(pruned, 0);
    const out = parseJson<{ deleted: number; freed_bytes: number }>(pruned);
    expect(out.deleted).toBe(1);
    expect(out.freed_bytes).toBeGreaterThan(0);
    expect((await listRuns(box)).map((x) => x.id)).toEqual([waiting]);
  }, 90_000);

  it('refuses bad arguments with exit 2 before opening anything', async () => {
    const cases: [string[], RegExp][] = [
      [['runs', 'prune'], /needs --older-than DURATION/],
      [['runs', 'prune', '--older-than', '30x'], /--older-than must be a duration such as 30d/],
      [
        ['runs', 'prune', '--older-than', '1d', '--status', 'waiting'],
        /--status must be one of succeeded, failed, cancelled, not "waiting"/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await box.weft(args);
      expectExit(r, 2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('weft run applies the retention of the workflows', () => {
  it('deletes finished runs past `retention: { runs: 1 }` when it starts', async () => {
    const file = box.write(
      'kept.yaml',
      'id: kept\nretention: { runs: 1 }\nnodes:\n  - { id: a, type: set, with: { values: { n: 1 } } }\n',
    );
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await box.weft(['run', file, '--json']);
      expectExit(r, 0);
      ids.push(idOf(r));
    }
    const left = (await listRuns(box)).map((x) => x.id);
    // The sweep at the third start kept the newest finished run, and the third finished after it.
    expect(left).not.toContain(ids[0]);
    expect(left).toContain(ids[2]);
  }, 60_000);
});

describe('--sync and WEFT_SYNC', () => {
  it('a bad value is a usage error (exit 2) on run and serve, from the flag or the variable', async () => {
    const run = await box.weft(['run', example('hello.yaml'), '--sync', 'sometimes']);
    expectExit(run, 2);
    expect(run.stderr).toBe(
      '--sync must be full (survives power loss) or normal (survives a process crash), not "sometimes"\n',
    );
    const env = await box.weft(['run', example('hello.yaml')], { env: { WEFT_SYNC: 'off' } });
    expectExit(env, 2);
    expect(env.stderr).toMatch(/^WEFT_SYNC must be full .* not "off"$/m);
    const serve = await box.weft(['serve', '--port', '0', '--sync', 'fast']);
    expectExit(serve, 2);
    expect(serve.stderr).toMatch(/^--sync must be full/m);
    const days = await box.weft(['serve', '--port', '0', '--retention-days', '-3']);
    expectExit(days, 2);
    expect(days.stderr).toMatch(/^--retention-days must be a number of days above 0/m);
    expectExit(await box.weft(['run', example('hello.yaml'), '--sync', 'NORMAL']), 0);
  }, 60_000);

  it('weft serve opens the store as asked and says so; a prune works beside it and through it', async () => {
    const { url, proc } = await serveBox(box, { WEFT_LOG_LEVEL: 'info', WEFT_SYNC: 'normal' });
    const opened = proc.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('store opened'));
    expect(opened).toMatchObject({ synchronous: 'NORMAL', journal_mode: 'wal' });

    expectExit(await box.weft(['run', example('hello.yaml'), '--json']), 0);
    // Beside the server, on the file it shares.
    const beside = await box.weft(['runs', 'prune', '--older-than', '0s']);
    expectExit(beside, 0);
    expect(beside.stdout).toMatch(/^1 finished run deleted; \S+weft\.db is [\d.]+ \w+ smaller\n$/);
    expect(await listRuns(box)).toEqual([]);
    expectExit(await box.weft(['run', example('hello.yaml'), '--json']), 0);
    const through = await box.weft(['runs', 'prune', '--older-than', '0s', '--server', url]);
    expectExit(through, 0);
    expect(through.stdout).toBe(`1 finished run deleted on ${url} (it gives the disk back)\n`);
    expect(await listRuns(box)).toEqual([]);
    expectExit(await proc.stop('SIGTERM'), 0);
  }, 60_000);
});
