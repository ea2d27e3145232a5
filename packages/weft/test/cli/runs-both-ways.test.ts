/**
 * One set of commands over one client (issue #8 part 4): the same scenario of `weft run` and
 * `weft runs ...` gives the same answers and exit codes on a local database, against a server
 * (`--server URL`), and on a local database a `weft serve` shares (issue 13).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  lines,
  parseJson,
  requireBuild,
  sandbox,
  type CliResult,
  type Sandbox,
} from './harness.js';
import { serveBox } from './serve.js';

beforeAll(() => requireBuild());

type Way = 'local' | 'server' | 'beside';
const WAYS: [Way, string][] = [
  ['local', 'on a local database'],
  ['server', 'with --server URL'],
  ['beside', 'beside a weft serve on the same --db'],
];

const FAILING = `id: failing
nodes:
  - id: prepare
    type: set
    with: { values: { x: 1 } }
  - id: boom
    type: fail
    needs: [prepare]
    with: { code: kaput, message: "it broke" }
`;

describe.each(WAYS)('weft run and weft runs %s', (way, _title) => {
  const box = {} as Sandbox;
  let url = '';
  /** `weft ARGS --db DB`, plus `--server URL` for the server way. */
  const cli = (...args: string[]): Promise<CliResult> =>
    box.weft(way === 'server' ? [...args, '--server', url] : args);
  /** What a command that changes a run suggests next, after the run id. */
  const where = () => (way === 'server' ? ` --server ${url}` : '');
  const ids = { hello: '', human: '', failing: '' };

  beforeAll(async () => {
    Object.assign(box, sandbox());
    box.write('failing.yaml', FAILING);
    if (way !== 'local') url = (await serveBox(box)).url;
  }, 60_000);
  afterAll(() => box.remove?.());

  const step = it.sequential;

  step(
    'weft run prints the outputs, exit 0, in this process unless --server is given',
    async () => {
      const r = await cli('run', example('hello.yaml'), '--input', '{"name":"Ada"}');
      expectExit(r, 0);
      expect(parseJson(r)).toMatchObject({ greeting: 'Hello, Ada!' });
      expect(r.stderr).toMatch(/^✓ greet \d+(\.\d+)?m?s$/m);
      ids.hello = /^run (\S+) succeeded/m.exec(r.stderr)?.[1] ?? '';
      expect(ids.hello).not.toBe('');
      expect(r.stderr).not.toMatch(/using the server/);
    },
  );

  step('a human step exits 3 and says how to answer', async () => {
    const r = await cli('run', example('human.yaml'), '--input', '{"amount": 5}');
    expectExit(r, 3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^⏸ approve waiting: Approve an expense of 5 EUR\?$/m);
    const hint = new RegExp(
      `answer with: weft runs input (\\S+) --node approve --value JSON${where().replace(/[.:/]/g, '\\$&')}$`,
      'm',
    ).exec(r.stderr);
    expect(hint, r.stderr).not.toBeNull();
    ids.human = hint![1]!;
  });

  step('runs list: the table and --json with the whole run objects', async () => {
    const table = await cli('runs', 'list');
    expectExit(table, 0);
    const [header, ...rows] = lines(table.stdout);
    expect(header).toMatch(/^RUN\s+WORKFLOW\s+STATUS\s+CREATED\s+TOOK$/);
    expect(rows).toHaveLength(2);
    expect(table.stdout).toMatch(
      new RegExp(`^${ids.human}\\s+expense-approval@1\\s+waiting\\s`, 'm'),
    );
    const json = parseJson<{ runs: any[] }>(await cli('runs', 'list', '--json'));
    expect(json.runs.map((x) => x.id)).toEqual([ids.human, ids.hello]);
    expect(json.runs[0]).toMatchObject({
      status: 'waiting',
      nodes: { approve: { status: 'waiting' }, pay: { status: 'pending' } },
    });
    const filtered = parseJson<{ runs: any[] }>(
      await cli('runs', 'list', '--json', '--status', 'succeeded'),
    );
    expect(filtered.runs.map((x) => x.id)).toEqual([ids.hello]);
  });

  step('runs show: by `last`, by a prefix, and a run that is not there', async () => {
    const last = await cli('runs', 'show', 'last', '--json');
    expectExit(last, 0);
    expect(parseJson(last)).toMatchObject({ id: ids.human, status: 'waiting' });
    const text = await cli('runs', 'show', ids.hello.slice(0, 30));
    expectExit(text, 0);
    expect(text.stdout).toMatch(new RegExp(`^run\\s+${ids.hello}$`, 'm'));
    expect(text.stdout).toMatch(/^shout\s+succeeded\s+1\s/m);
    const none = await cli('runs', 'show', 'zzzz');
    expectExit(none, 1);
    expect(none.stderr).toMatch(/^no run zzzz$/m);
  });

  step('runs input carries the run on to its end: exit 0, the outputs, the progress', async () => {
    const bad = await cli(
      'runs',
      'input',
      'last',
      '--node',
      'approve',
      '--value',
      '{"approved":"y"}',
    );
    expectExit(bad, 2);
    expect(bad.stderr).toMatch(/^invalid_answer: .*must be boolean/m);
    const r = await cli(
      'runs',
      'input',
      ids.human.slice(0, 30),
      '--node',
      'approve',
      '--value',
      '{"approved": true}',
    );
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ answer: { approved: true }, paid: 5 });
    expect(r.stderr).toMatch(/^✓ pay \d+(\.\d+)?m?s$/m);
    expect(r.stderr).toMatch(/^- expired skipped$/m);
    const again = await cli(
      'runs',
      'input',
      ids.human,
      '--node',
      'approve',
      '--value',
      '{"approved": false}',
    );
    expectExit(again, 1);
    expect(again.stderr).toMatch(/approve.*not waiting/);
  });

  step('runs events: seq 1..n in order, --after skips what was seen', async () => {
    const r = await cli('runs', 'events', ids.human, '--json');
    expectExit(r, 0);
    const events = lines(r.stdout).map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('run.started');
    expect(events.at(-1)?.type).toBe('run.succeeded');
    const after = await cli(
      'runs',
      'events',
      ids.human,
      '--json',
      '--after',
      String(events.length - 2),
    );
    expect(lines(after.stdout).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([
      events.length - 1,
      events.length,
    ]);
    const follow = await cli('runs', 'events', ids.human, '--follow', '--json');
    // A finished run: every event, then the stream ends, on a local file as through a server.
    expectExit(follow, 0);
    expect(lines(follow.stdout)).toHaveLength(events.length);
  });

  step('a failed run exits 1; retry runs the failed node again and exits 1 again', async () => {
    const r = await cli('run', 'failing.yaml', '--json');
    expectExit(r, 1);
    ids.failing = parseJson<{ id: string }>(r).id;
    const retried = await cli('runs', 'retry', ids.failing);
    expectExit(retried, 1);
    expect(retried.stderr).toMatch(/^▶ boom started \(fail, attempt 2\)$/m);
    expect(retried.stderr).toMatch(new RegExp(`^run ${ids.failing} failed: kaput: it broke$`, 'm'));
    const succeeded = await cli('runs', 'retry', ids.hello);
    expectExit(succeeded, 1);
    expect(succeeded.stderr).toMatch(/only a failed or cancelled run can be retried/);
  });

  step('cancel and pause answer with the run; an illegal move exits 1', async () => {
    const waiting = await cli('run', example('human.yaml'), '--input', '{"amount": 1}', '--json');
    expectExit(waiting, 3);
    const id = parseJson<{ id: string }>(waiting).id;
    const cancelled = await cli('runs', 'cancel', 'last');
    expectExit(cancelled, 0);
    expect(cancelled.stdout).toBe(`run ${id} cancelled\n`);
    const again = await cli('runs', 'cancel', id, '--json');
    expectExit(again, 1);
    expect(again.stderr).toMatch(/^invalid_state: .*cancelled/m);
    const resumed = await cli('runs', 'resume', id);
    expectExit(resumed, 1);
    expect(resumed.stderr).toMatch(/run is cancelled, not paused/);
  });
});
