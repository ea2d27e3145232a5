/**
 * What the command line says about its own options (issue #9, items 12 and 13): bad values of
 * `weft runs list`, options a command does not take, and each command's own help.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectExit, requireBuild, sandbox, weft, type Sandbox } from './harness.js';

let box: Sandbox;
beforeAll(async () => {
  requireBuild();
  box = sandbox();
  // A database to list, so that errors are not about a missing one.
  expectExit(await box.weft(['run', example('hello.yaml')]), 0);
});
afterAll(() => box.remove());

const cli = (...args: string[]) => weft(args, { cwd: box.dir });

describe.concurrent('weft runs list: option values', () => {
  it('an unknown --status names the statuses, exit 2, locally and against a server', async () => {
    const statuses = 'queued, running, waiting, paused, succeeded, failed, cancelled';
    const local = await box.weft(['runs', 'list', '--status', 'done']);
    expectExit(local, 2);
    expect(local.stdout).toBe('');
    expect(local.stderr).toBe(`unknown status "done"; one of ${statuses}\n`);
    // Refused before any request: the server is never reached.
    const remote = await cli('runs', 'list', '--status', 'done', '--server', 'http://127.0.0.1:1');
    expectExit(remote, 2);
    expect(remote.stderr).toBe(`unknown status "done"; one of ${statuses}\n`);
  });

  it('--limit that is not a whole number from 1 to 1000 exits 2', async () => {
    for (const limit of ['abc', '0', '2.5', '1001', '-3']) {
      const r = await box.weft(['runs', 'list', `--limit=${limit}`]);
      expectExit(r, 2);
      expect(r.stderr).toBe(`--limit must be a whole number from 1 to 1000, not "${limit}"\n`);
    }
    expectExit(await box.weft(['runs', 'list', '--limit', '1000']), 0);
  });

  it('--after that is not an event seq exits 2', async () => {
    const r = await box.weft(['runs', 'events', 'last', '--after', 'soon']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/^--after must be an event seq \(0 or more\), not "soon"$/m);
  });
});

describe.concurrent('options a command does not take', () => {
  it('an unknown option is named with the command and its options', async () => {
    const r = await cli('run', example('hello.yaml'), '--bogus');
    expectExit(r, 2);
    expect(r.stderr).toBe(
      'unknown option --bogus for weft run; its options: --input, --db, --json, --server, --key, --postgres, --sync, --help (see weft help run)\n',
    );
    expect(r.stderr).not.toMatch(/ERR_PARSE_ARGS|positional argument|place it after/);
  });

  it("another command's option is refused, naming the subcommand", async () => {
    const r = await box.weft(['runs', 'list', '--node', 'x']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/^unknown option --node for weft runs list; its options: .*--status/m);
    const graph = await cli('graph', example('hello.yaml'), '--json');
    expectExit(graph, 2);
    expect(graph.stderr).toMatch(/^unknown option --json for weft graph; its options: --format/m);
    const short = await cli('validate', example('hello.yaml'), '-x');
    expectExit(short, 2);
    expect(short.stderr).toMatch(/^unknown option -x for weft validate/m);
  });

  it('an option without its value, or a flag with one, is told plainly', async () => {
    const missing = await cli('runs', 'list', '--db');
    expectExit(missing, 2);
    expect(missing.stderr).toBe('--db needs a value (weft runs list)\n');
    const swallowed = await cli('runs', 'list', '--db', '--json');
    expectExit(swallowed, 2);
    expect(swallowed.stderr).toBe('--db needs a value (weft runs list)\n');
    const flag = await cli('run', example('hello.yaml'), '--json=yes');
    expectExit(flag, 2);
    expect(flag.stderr).toBe('--json takes no value (weft run)\n');
  });
});

describe.concurrent('help for one command', () => {
  const cases: [string, RegExp[]][] = [
    ['run', [/^weft run FILE/, /--input JSON/, /--db PATH/, /--json/, /Examples:\n {2}weft run /]],
    ['validate', [/^weft validate FILE\.\.\./, /Examples:\n {2}weft validate /]],
    ['graph', [/^weft graph FILE/, /--format mermaid\|dot/, /Examples:\n {2}weft graph /]],
    ['serve', [/^weft serve/, /--port N/, /--host HOST/, /Examples:\n {2}weft serve/]],
    [
      'runs',
      [
        /^weft runs COMMAND RUN/,
        /^ {2}list \[--workflow ID\] \[--status S\] \[--limit N\]/m,
        /^ {2}input RUN --node NODE --value JSON/m,
        /unique prefix/,
        /"last"/,
        /Examples:\n {2}weft runs /,
      ],
    ],
    ['keys', [/^weft keys create\|list\|revoke/, /--tenant T/, /Examples:\n {2}weft keys /]],
  ];

  it.each(cases)(
    '%s: weft help CMD and weft CMD --help print its own help',
    async (command, parts) => {
      const viaHelp = await cli('help', command);
      expectExit(viaHelp, 0);
      for (const part of parts) expect(viaHelp.stdout).toMatch(part);
      // Not the overview of every command.
      expect(viaHelp.stdout).not.toMatch(/^weft — a durable workflow engine/);
      for (const flag of ['--help', '-h']) {
        const viaFlag = await cli(command, flag);
        expectExit(viaFlag, 0);
        expect(viaFlag.stdout).toBe(viaHelp.stdout);
      }
    },
  );

  it('a runs subcommand with --help prints the runs help', async () => {
    const sub = await cli('runs', 'list', '--help');
    expectExit(sub, 0);
    expect(sub.stdout).toBe((await cli('help', 'runs')).stdout);
  });

  it('help for a command that does not exist exits 2 naming the commands', async () => {
    const r = await cli('help', 'frobnicate');
    expectExit(r, 2);
    expect(r.stderr).toMatch(/no command "frobnicate"; the commands: run, validate, graph/);
  });
});
