/**
 * `weft publish FILE` and `weft workflows list|show|delete` (SPEC section 9), the same on a local
 * database and against a server (`--server URL`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

const V1 = `id: greet
name: Greeter
nodes:
  - id: hi
    type: set
    with: { values: { text: "hi" } }
`;
const V2 = V1.replace('"hi"', '"hello"');
const BAD = `id: bad
nodes:
  - id: a
    type: teleport
`;

describe.each([['local'], ['server']] as const)('weft publish and weft workflows (%s)', (way) => {
  const box = {} as Sandbox;
  let url = '';
  const cli = (...args: string[]): Promise<CliResult> =>
    box.weft(way === 'server' ? [...args, '--server', url] : args);
  const step = it.sequential;

  beforeAll(async () => {
    Object.assign(box, sandbox());
    box.write('greet.yaml', V1);
    box.write('bad.yaml', BAD);
    if (way === 'server') url = (await serveBox(box)).url;
  }, 60_000);
  afterAll(() => box.remove?.());

  step(
    'publish stores a version; the same content keeps it; new content makes the next',
    async () => {
      const first = await cli('publish', 'greet.yaml');
      expectExit(first, 0);
      expect(first.stdout).toBe('published greet version 1\n');
      const same = await cli('publish', 'greet.yaml', '--json');
      expectExit(same, 0);
      expect(parseJson(same)).toEqual({ id: 'greet', version: 1, created: false });
      box.write('greet.yaml', V2);
      const next = await cli('publish', 'greet.yaml', '--json');
      expect(parseJson(next)).toEqual({ id: 'greet', version: 2, created: true });
    },
  );

  step('an invalid definition exits 2 with file:line:column lines and stores nothing', async () => {
    const r = await cli('publish', 'bad.yaml');
    expectExit(r, 2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bad\.yaml:4:\d+: nodes\[0\]\.type: unknown node type `teleport`/m);
    const missing = await cli('publish', 'nowhere.yaml');
    expectExit(missing, 2);
    expect(missing.stderr).toMatch(/nowhere\.yaml: no such file/);
  });

  step(
    'a child workflow named by file path exits 2 naming the node, and stores nothing',
    async () => {
      box.write(
        'parent.yaml',
        'id: parent\nnodes:\n  - { id: a, type: noop }\n  - { id: b, type: noop }\n  - { id: c, type: subworkflow, with: { workflow: ./greet.yaml } }\n',
      );
      const r = await cli('publish', 'parent.yaml');
      expectExit(r, 2);
      expect(r.stderr).toContain(
        'nodes[2].with.workflow: a file path cannot be resolved on the server; publish that workflow and name it by id',
      );
      expectExit(await cli('workflows', 'show', 'parent'), 1);
    },
  );

  step('workflows list: a table, and --json as the API answers it', async () => {
    const table = await cli('workflows', 'list');
    expectExit(table, 0);
    expect(lines(table.stdout)[0]).toMatch(/^WORKFLOW\s+LATEST\s+UPDATED\s+NAME$/);
    expect(table.stdout).toMatch(/^greet\s+2\s+\S+\s+Greeter$/m);
    const json = parseJson<{ workflows: any[] }>(await cli('workflows', 'list', '--json'));
    expect(json.workflows).toEqual([
      expect.objectContaining({ id: 'greet', name: 'Greeter', latest_version: 2 }),
    ]);
  });

  step(
    'workflows show: the latest or --version N, with the text it was published from',
    async () => {
      const latest = await cli('workflows', 'show', 'greet');
      expectExit(latest, 0);
      expect(latest.stdout).toMatch(/^workflow\s+greet$/m);
      expect(latest.stdout).toMatch(/^version\s+2$/m);
      expect(latest.stdout.endsWith(V2)).toBe(true);
      const first = await cli('workflows', 'show', 'greet', '--version', '1', '--json');
      expectExit(first, 0);
      expect(parseJson(first)).toMatchObject({ id: 'greet', version: 1, source: V1 });
      const none = await cli('workflows', 'show', 'greet', '--version', '9');
      expectExit(none, 1);
      expect(none.stderr).toMatch(/^not_found: no version 9 of workflow "greet"$/m);
      const badVersion = await cli('workflows', 'show', 'greet', '--version', 'two');
      expectExit(badVersion, 2);
      expect(badVersion.stderr).toBe('--version must be a version number (1 or more), not "two"\n');
    },
  );

  step('workflows delete removes every version and keeps the runs', async () => {
    const run = await cli('run', 'greet.yaml', '--json');
    expectExit(run, 0);
    const deleted = await cli('workflows', 'delete', 'greet');
    expectExit(deleted, 0);
    expect(deleted.stdout).toBe('deleted workflow greet (its runs are kept)\n');
    expect(parseJson(await cli('workflows', 'list', '--json'))).toEqual({ workflows: [] });
    const again = await cli('workflows', 'delete', 'greet');
    expectExit(again, 1);
    expect(again.stderr).toMatch(/^not_found: no workflow "greet"$/m);
    const runs = parseJson<{ runs: any[] }>(await cli('runs', 'list', '--json'));
    expect(runs.runs.map((r) => r.workflow)).toEqual(['greet']);
  });

  step('a missing id or an unknown subcommand exits 2', async () => {
    for (const [args, message] of [
      [['workflows', 'show'], /^weft workflows show needs a workflow id$/m],
      [
        ['workflows', 'drop', 'greet'],
        /^unknown command "workflows drop"; see weft help workflows$/m,
      ],
      [['workflows', 'list', 'greet'], /^weft workflows list: unexpected argument "greet"/m],
    ] as const) {
      const r = await cli(...args);
      expectExit(r, 2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe.concurrent('help for publish and workflows', () => {
  const box = {} as Sandbox;
  beforeAll(() => {
    Object.assign(box, sandbox());
  });
  afterAll(() => box.remove?.());

  it.each([
    ['publish', [/^weft publish FILE/, /--server URL/, /Examples:\n {2}weft publish /]],
    ['workflows', [/^weft workflows list/, /--version N/, /Examples:\n {2}weft workflows /]],
  ] as const)('weft help %s and weft %s --help', async (command, parts) => {
    const viaHelp = await box.weft(['help', command]);
    expectExit(viaHelp, 0);
    for (const part of parts) expect(viaHelp.stdout).toMatch(part);
    const viaFlag = await box.weft([command, '--help']);
    expect(viaFlag.stdout).toBe(viaHelp.stdout);
  });
});
