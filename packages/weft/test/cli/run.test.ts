/**
 * `weft run` end to end (SPEC section 9): the examples, --json, --input, and exit codes 0/1/2/3.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  expectNoCrash,
  listRuns,
  parseJson,
  repoRoot,
  requireBuild,
  sandbox,
  weft,
  type Sandbox,
} from './harness.js';

// Every test has its own directory and database, so that the tests of this file run concurrently
// (a database is held by one `weft run` at a time).
const boxes: Sandbox[] = [];
const fresh = () => {
  const box = sandbox();
  boxes.push(box);
  return box;
};
beforeAll(() => requireBuild());
afterAll(() => {
  for (const box of boxes) box.remove();
});

/** A finished-node progress line: `✓ node 12ms` (a duration may be missing for a resumed node). */
const done = (node: string) =>
  new RegExp(
    `^✓ ${node.replace(/[[\]]/g, '\\$&')}( \\d+(\\.\\d+)?(ms|s))?( \\(\\d+ attempts\\))?$`,
    'm',
  );

describe.concurrent('weft run on the examples (no terminal)', () => {
  it('hello: outputs on stdout, a line per node on stderr', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('hello.yaml')]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({
      greeting: 'Hello, world!',
      shouted: 'HELLO, WORLD!',
      letters: 5,
    });
    for (const node of ['greet', 'shout', 'say']) {
      expect(r.stderr).toMatch(new RegExp(`^▶ ${node} started \\(\\w+, attempt 1\\)$`, 'm'));
      expect(r.stderr).toMatch(done(node));
    }
    expect(r.stderr).toMatch(/^✓ greet \d+(\.\d+)?(ms|s)$/m);
    expect(r.stderr).toMatch(/^» HELLO, WORLD!$/m);
  });

  it('branching: the taken branches run, the others are skipped', async () => {
    const box = fresh();
    const r = await box.weft([
      'run',
      example('branching.yaml'),
      '--input',
      '{"amount": 250, "kind": "refund"}',
    ]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ queue: 'manual-review', action: 'refund' });
    for (const node of ['big', 'review', 'route', 'refund', 'decided'])
      expect(r.stderr).toMatch(done(node));
    for (const node of ['auto', 'charge', 'other'])
      expect(r.stderr).toMatch(new RegExp(`^- ${node} skipped$`, 'm'));
  });

  it('branching with --input @file.json', async () => {
    const box = fresh();
    box.write('charge.json', JSON.stringify({ amount: 20, kind: 'charge' }));
    const r = await box.weft(['run', example('branching.yaml'), '--input', '@charge.json']);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ queue: 'automatic', action: 'charge' });
    expect(r.stderr).toMatch(/^- review skipped$/m);
  });

  it('memory: a second run reads the turn the first one kept', async () => {
    const box = fresh();
    const turn = (text: string) =>
      box.weft(['run', example('memory.yaml'), '--input', JSON.stringify({ user: 'ann', text })]);
    const first = await turn('hi');
    expectExit(first, 0);
    expect(parseJson(first)).toMatchObject({ stored: 2 });
    const second = await turn('again');
    expectExit(second, 0);
    expect(parseJson(second)).toEqual({
      stored: 4,
      history: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'You said: hi' },
        { role: 'user', content: 'again' },
        { role: 'assistant', content: 'You said: again' },
      ],
    });
  });

  it('foreach: one body per item, outputs in item order', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('foreach.yaml')]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({
      words: [
        { word: 'alpha', position: 0, length: 5 },
        { word: 'beta', position: 1, length: 4 },
        { word: 'gamma', position: 2, length: 5 },
      ],
      total_letters: 14,
    });
    for (const node of ['each[0].measure', 'each[1].measure', 'each[2].measure', 'each', 'total']) {
      expect(r.stderr).toMatch(done(node));
    }
  });

  it('loop: iterates while the condition holds', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('loop.yaml'), '--input', '{"target": 100}']);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ value: 128, iterations: 8 });
    expect(r.stderr).toMatch(done('grow[8].step'));
    expect(r.stderr).not.toMatch(/grow\[9\]/);
  });

  it('errors: every on_error mode, the run succeeds', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('errors.yaml')]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({
      recovered: 'out_of_stock',
      fallback: true,
      noted: 'recorded and skipped over',
    });
    expect(r.stderr).toMatch(/^✗ broken .*\(handled\): out_of_stock: no more widgets$/m);
    expect(r.stderr).toMatch(done('summary'));
  });

  it('wait: the durable timer is waited for', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('wait.yaml')]);
    expectExit(r, 0);
    const out = parseJson<{ started: string; resumed: string }>(r);
    expect(Date.parse(out.resumed) - Date.parse(out.started)).toBeGreaterThanOrEqual(990);
    expect(r.stderr).toMatch(/^⏸ pause waiting until \d{4}-\d\d-\d\dT/m);
    expect(r.stderr).toMatch(done('after'));
  });

  it('mcp-tool: calls the fixture MCP server over stdio, run from the repository root', async () => {
    const box = fresh();
    // The example names the server by a path relative to the repository's root, as documented.
    const r = await weft(['run', example('mcp-tool.yaml'), '--db', box.db], { cwd: repoRoot });
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ status: 'shipped', total: 42.5, items: 3 });
    for (const node of ['order', 'quantity']) expect(r.stderr).toMatch(done(node));
  });

  it('subworkflow: ./hello.yaml resolves next to the parent file, not the working directory', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('subworkflow.yaml')]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ from_child: 'Hello, subworkflow!' });
    expect(r.stderr).toMatch(done('child'));
    const runs = await listRuns(box);
    expect(runs.filter((x) => x.workflow === 'parent')).toHaveLength(1);
    const child = runs.find((x) => x.workflow === 'hello' && x.input?.name === 'subworkflow');
    expect(child).toMatchObject({
      status: 'succeeded',
      output: { greeting: 'Hello, subworkflow!' },
    });
  });
});

describe.concurrent('weft run --json', () => {
  it('prints only the run object on stdout', async () => {
    const box = fresh();
    const r = await box.weft([
      'run',
      example('hello.yaml'),
      '--json',
      '--input',
      '{"name":"Json"}',
    ]);
    expectExit(r, 0);
    const run = parseJson(r);
    expect(run).toMatchObject({
      workflow: 'hello',
      status: 'succeeded',
      input: { name: 'Json' },
      output: { greeting: 'Hello, Json!', shouted: 'HELLO, JSON!', letters: 4 },
      error: null,
    });
    expect(typeof run.id).toBe('string');
    expect(Object.keys(run.nodes).sort()).toEqual(['greet', 'say', 'shout']);
    for (const n of Object.values<any>(run.nodes))
      expect(n).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(r.stderr).toMatch(done('shout'));
  });
});

describe.concurrent('weft run exit codes', () => {
  const failing = `id: failing
nodes:
  - id: prepare
    type: set
    with: { values: { x: 1 } }
  - id: boom
    type: fail
    needs: [prepare]
    with: { code: kaput, message: "it broke" }
`;

  it('a failing run exits 1 and prints the error on stderr', async () => {
    const box = fresh();
    box.write('failing.yaml', failing);
    const r = await box.weft(['run', 'failing.yaml']);
    expectExit(r, 1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^✗ boom .*kaput: it broke$/m);
    expect(r.stderr).toMatch(/^run \S+ failed: kaput: it broke$/m);
  });

  it('a failing run with --json exits 1 with the failed run on stdout', async () => {
    const box = fresh();
    box.write('failing.yaml', failing);
    const r = await box.weft(['run', 'failing.yaml', '--json']);
    expectExit(r, 1);
    expect(parseJson(r)).toMatchObject({
      status: 'failed',
      error: { code: 'kaput', message: 'it broke' },
      nodes: { prepare: { status: 'succeeded' }, boom: { status: 'failed', attempts: 1 } },
    });
  });

  it('an invalid definition exits 2 with file:line:column: path: message lines', async () => {
    const box = fresh();
    box.write(
      'invalid.yaml',
      `id: invalid
nodes:
  - id: a
    type: noop
  - id: b
    type: teleport
    needs: [a]
  - id: a
    type: noop
`,
    );
    const r = await box.weft(['run', 'invalid.yaml']);
    expectExit(r, 2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^invalid\.yaml:6:\d+: nodes\[1\]\.type: unknown node type `teleport`/m,
    );
    expect(r.stderr).toMatch(/^invalid\.yaml:8:\d+: nodes\[2\]\.id: duplicate node id `a`/m);
    // Nothing was stored: the definition is checked before a database is opened.
    expect(existsSync(box.db)).toBe(false);
    const list = await box.weft(['runs', 'list']);
    expectExit(list, 1);
    expect(list.stderr).toMatch(/no database at/);
  });

  it('an input that does not match `inputs` exits 2 and names the field', async () => {
    const box = fresh();
    const wrongType = await box.weft([
      'run',
      example('branching.yaml'),
      '--input',
      '{"amount": "lots", "kind": "refund"}',
    ]);
    expectExit(wrongType, 2);
    expect(wrongType.stderr).toMatch(/input\.amount must be number/);
    const missing = await box.weft(['run', example('branching.yaml'), '--input', '{"amount": 5}']);
    expectExit(missing, 2);
    expect(missing.stderr).toMatch(/input\.kind is required/);
    expect(missing.stderr).not.toMatch(/amount/);
  });

  it('--input that is not JSON exits 2', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('hello.yaml'), '--input', '{"name": ']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/--input is not valid JSON/);
    box.write('broken.json', '{ nope');
    const fromFile = await box.weft(['run', example('hello.yaml'), '--input', '@broken.json']);
    expectExit(fromFile, 2);
    expect(fromFile.stderr).toMatch(/broken\.json is not valid JSON/);
  });

  it('a state-machine workflow that waits for events exits 3 and says how to send one', async () => {
    const box = fresh();
    const file = box.write(
      'order.yaml',
      [
        'id: order',
        'kind: state-machine',
        'initial: created',
        'states:',
        '  created: { on: { PAY: paid } }',
        '  paid: { type: final }',
        '',
      ].join('\n'),
    );
    const r = await box.weft(['run', file]);
    expectExit(r, 3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /run (\S+) is waiting in state created \(accepts: PAY\); send an event with: weft runs send \1 PAY \[--data JSON\]/,
    );
    expectNoCrash(r);
  });

  it('a missing file exits 2 and names it', async () => {
    const box = fresh();
    const r = await box.weft(['run', 'no-such-workflow.yaml']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/no-such-workflow\.yaml: no such file/);
    const input = await box.weft(['run', example('hello.yaml'), '--input', '@no-such-input.json']);
    expectExit(input, 2);
    expect(input.stderr).toMatch(/no-such-input\.json: no such file/);
  });

  it('a human step without a terminal exits 3, says how to answer, and the run stays waiting', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('human.yaml'), '--input', '{"amount": 1200}']);
    expectExit(r, 3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^⏸ approve waiting: Approve an expense of 1200 EUR\?$/m);
    const hint = /answer with: weft runs input (\S+) --node approve --value JSON/.exec(r.stderr);
    expect(hint).not.toBeNull();
    const waiting = await listRuns(box, '--status', 'waiting');
    expect(waiting.map((x) => x.id)).toContain(hint![1]);
    expect(waiting.find((x) => x.id === hint![1])).toMatchObject({
      workflow: 'expense-approval',
      input: { amount: 1200 },
      nodes: { approve: { status: 'waiting' }, pay: { status: 'pending' } },
    });
  });
});
