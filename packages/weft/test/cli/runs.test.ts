/**
 * `weft runs list|show|events` on a local database after a few runs of `weft run`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  lines,
  listRuns,
  parseJson,
  requireBuild,
  sandbox,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
const ids = { ada: '', bob: '', errors: '', failed: '', waiting: '' };

beforeAll(async () => {
  requireBuild();
  box = sandbox();
  box.write(
    'failing.yaml',
    `id: failing
nodes:
  - id: prepare
    type: set
    with: { values: { x: 1 } }
  - id: boom
    type: fail
    needs: [prepare]
    with: { code: kaput, message: "it broke" }
`,
  );
  const runs: [keyof typeof ids, string[], number][] = [
    ['ada', ['run', example('hello.yaml'), '--input', '{"name":"Ada"}'], 0],
    ['bob', ['run', example('hello.yaml'), '--input', '{"name":"Bob"}'], 0],
    ['errors', ['run', example('errors.yaml')], 0],
    ['failed', ['run', 'failing.yaml'], 1],
    ['waiting', ['run', example('human.yaml'), '--input', '{"amount": 10}'], 3],
  ];
  for (const [name, args, code] of runs) {
    const r = await box.weft([...args, '--json']);
    expectExit(r, code);
    ids[name] = parseJson<{ id: string }>(r).id;
  }
}, 60_000);
afterAll(() => box.remove());

describe.concurrent('weft runs list', () => {
  it('--json prints { "runs": [...] } with every run', async () => {
    const r = await box.weft(['runs', 'list', '--json']);
    expectExit(r, 0);
    const body = parseJson<{ runs: any[] }>(r);
    expect(Object.keys(body)).toEqual(['runs']);
    expect(body.runs.map((x) => x.id).sort()).toEqual(Object.values(ids).sort());
    const byId = new Map(body.runs.map((x) => [x.id as string, x]));
    expect(byId.get(ids.ada)).toMatchObject({
      workflow: 'hello',
      status: 'succeeded',
      input: { name: 'Ada' },
      output: { greeting: 'Hello, Ada!' },
    });
    expect(byId.get(ids.failed)).toMatchObject({
      workflow: 'failing',
      status: 'failed',
      error: { code: 'kaput' },
    });
    expect(byId.get(ids.waiting)).toMatchObject({
      workflow: 'expense-approval',
      status: 'waiting',
    });
  });

  it('filters by --status and --workflow, and --limit cuts the list', async () => {
    expect((await listRuns(box, '--status', 'failed')).map((x) => x.id)).toEqual([ids.failed]);
    expect((await listRuns(box, '--status', 'waiting')).map((x) => x.id)).toEqual([ids.waiting]);
    expect((await listRuns(box, '--workflow', 'hello')).map((x) => x.id).sort()).toEqual(
      [ids.ada, ids.bob].sort(),
    );
    const r = await box.weft(['runs', 'list', '--json', '--limit', '2']);
    expect(parseJson<{ runs: unknown[] }>(r).runs).toHaveLength(2);
  });

  it('prints a table without --json', async () => {
    const r = await box.weft(['runs', 'list']);
    expectExit(r, 0);
    const [header, ...rows] = lines(r.stdout);
    expect(header).toMatch(/^RUN\s+WORKFLOW\s+STATUS\s+CREATED\s+TOOK$/);
    expect(rows).toHaveLength(5);
    expect(r.stdout).toMatch(new RegExp(`^${ids.failed}\\s+failing@1\\s+failed\\s`, 'm'));
    expect(r.stdout).toMatch(
      new RegExp(`^${ids.waiting}\\s+expense-approval@1\\s+waiting\\s`, 'm'),
    );
  });
});

describe.concurrent('weft runs show', () => {
  it('lists every node with its status and attempts', async () => {
    const r = await box.weft(['runs', 'show', ids.failed]);
    expectExit(r, 0);
    expect(r.stdout).toMatch(new RegExp(`^run\\s+${ids.failed}$`, 'm'));
    expect(r.stdout).toMatch(/^workflow\s+failing \(version 1\)$/m);
    expect(r.stdout).toMatch(/^status\s+failed$/m);
    expect(r.stdout).toMatch(/^error\s+kaput: it broke$/m);
    expect(r.stdout).toMatch(/^NODE\s+STATUS\s+ATTEMPTS\s+TOOK\s+OUTPUT \/ ERROR$/m);
    expect(r.stdout).toMatch(/^prepare\s+succeeded\s+1\s+\d+(\.\d+)?m?s\s+\{"x":1\}$/m);
    expect(r.stdout).toMatch(/^boom\s+failed\s+1\s+\d+(\.\d+)?m?s\s+kaput: it broke$/m);
  });

  it('shows nodes that did not run yet, and --json prints the run object', async () => {
    const text = await box.weft(['runs', 'show', ids.waiting]);
    expect(text.stdout).toMatch(/^approve\s+waiting\s+1$/m);
    expect(text.stdout).toMatch(/^pay\s+pending\s+0$/m);
    const json = await box.weft(['runs', 'show', ids.ada, '--json']);
    expectExit(json, 0);
    expect(parseJson(json)).toMatchObject({
      id: ids.ada,
      status: 'succeeded',
      nodes: {
        greet: { status: 'succeeded', attempts: 1 },
        shout: { status: 'succeeded', attempts: 1, output: 'HELLO, ADA!' },
      },
    });
  });

  it('an unknown run exits 1', async () => {
    const r = await box.weft(['runs', 'show', 'no-such-run']);
    expectExit(r, 1);
    expect(r.stderr).toMatch(/no run no-such-run/);
  });
});

describe.concurrent('weft runs events', () => {
  it('lists the events with seq 1..n in order', async () => {
    const r = await box.weft(['runs', 'events', ids.errors]);
    expectExit(r, 0);
    const rows = lines(r.stdout).map((l) => l.split('\t'));
    expect(rows.map((c) => Number(c[0]))).toEqual(rows.map((_, i) => i + 1));
    expect(rows[0]?.[2]).toBe('run.started');
    expect(rows.at(-1)?.[2]).toBe('run.succeeded');
    expect(
      rows
        .filter((c) => c[2] === 'node.started')
        .map((c) => c[3])
        .sort(),
    ).toEqual(['broken', 'noted', 'recover', 'summary', 'tolerant']);
    for (const c of rows) expect(c[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('--json prints one event per line; --after skips what was seen', async () => {
    const all = await box.weft(['runs', 'events', ids.failed, '--json']);
    expectExit(all, 0);
    const events = lines(all.stdout).map(
      (l) => JSON.parse(l) as { seq: number; type: string; node?: string },
    );
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual([
      'run.started',
      'node.started',
      'node.succeeded',
      'node.started',
      'node.failed',
      'run.failed',
    ]);
    const after = await box.weft(['runs', 'events', ids.failed, '--json', '--after', '3']);
    expect(lines(after.stdout).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([
      4, 5, 6,
    ]);
  });
});
