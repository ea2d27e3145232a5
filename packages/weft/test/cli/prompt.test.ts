/**
 * A human step asked on a terminal (issue #9): the question closes when the node stops waiting
 * (its timeout), `runs resume` reports a run whose human timeout fell due as it ends, and Ctrl-C
 * or Ctrl-D at the question says how to carry the run on. The terminal is a pseudo-terminal
 * made by `script` (util-linux); without it the terminal tests are skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectExit,
  expectNoCrash,
  requireBuild,
  sandbox,
  weftBin,
  type CliResult,
  type Sandbox,
} from './harness.js';

beforeAll(() => requireBuild());

const hasScript = spawnSync('script', ['--version']).status === 0;

const QUICK = `id: quick-approval
nodes:
  - id: ask
    type: human
    with:
      prompt: "Approve?"
      timeout: PT2S
  - id: expired
    type: set
    needs: [{ node: ask, port: timeout }]
    with:
      values: { paid: 0 }
outputs:
  paid: "{{ expired.paid }}"
`;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * `weft ARGS... --db DB` on a pseudo-terminal; `keys` are typed once the question is up (a list:
 * each typed at the next time the question is up).
 */
function onTerminal(
  box: Sandbox,
  args: string[],
  keys?: string | string[],
  question = 'answer (JSON or text)>',
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  const command = [process.execPath, weftBin, ...args, '--db', box.db].map(quote).join(' ');
  const t0 = performance.now();
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: box.dir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const queue = keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
  let typed = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const asked = out.split(question).length - 1;
    if (typed < queue.length && typed < asked) {
      const next = queue[typed++] as string;
      setTimeout(() => child.stdin.write(next), 200);
    }
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      // On a terminal stdout and stderr are one stream.
      resolve({ code, signal, stdout: out, stderr: out, ms: performance.now() - t0 });
    });
  });
}

let box: Sandbox;
afterEach(() => box?.remove());

describe.skipIf(!hasScript)('the human question on a terminal', { concurrent: false }, () => {
  it('closes when the node times out, and weft run ends with the run result', async () => {
    box = sandbox();
    const file = box.write('quick.yaml', QUICK);
    const r = await onTerminal(box, ['run', file]);
    expectExit(r, 0);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/"paid": 0/);
    expect(r.stdout).toMatch(/run \S+ succeeded/);
    expect(r.stdout).not.toMatch(/invalid_state/);
  });

  for (const [key, name] of [
    ['\x03', 'Ctrl-C'],
    ['\x04', 'Ctrl-D'],
  ] as const) {
    it(`${name} at the question says how to carry the run on, without a stack trace`, async () => {
      box = sandbox();
      const file = box.write('human.yaml', QUICK.replace('PT2S', 'P1D'));
      const r = await onTerminal(box, ['run', file], key);
      expectExit(r, 130);
      expectNoCrash(r);
      expect(r.stdout).not.toMatch(/AbortError/);
      expect(r.stdout).toMatch(
        /interrupted: run (\S+) stays in the store; carry it on with: weft runs resume \1\r?$/m,
      );
    });
  }
});

describe.skipIf(!hasScript)('a state machine on a terminal', { concurrent: false }, () => {
  it('weft run reads its events there until it ends; a refused one is told and asked again', async () => {
    box = sandbox();
    const file = box.write(
      'door.yaml',
      [
        'id: door',
        'kind: state-machine',
        'initial: closed',
        'context: { by: nobody }',
        'states:',
        '  closed: { on: { OPEN: { target: open, assign: { by: "{{ event.data }}" } } } }',
        '  open: { on: { LEAVE: gone } }',
        '  gone: { type: final }',
        '',
      ].join('\n'),
    );
    const r = await onTerminal(
      box,
      ['run', file],
      ['LEAVE\r', 'OPEN ann\r', 'LEAVE\r'],
      'event (TYPE [DATA])>',
    );
    expectExit(r, 0);
    expect(r.stdout).toMatch(/state closed has no transition for event LEAVE; it accepts: OPEN/);
    expect(r.stdout).toMatch(/it accepts: LEAVE/);
    expect(r.stdout).toMatch(/"by": "ann"/);
    expect(r.stdout).toMatch(/run \S+ succeeded/);
  });
});

describe('weft runs resume after a human timeout', () => {
  it('reports the run that took its timeout port: exit 0 with the outputs', async () => {
    box = sandbox();
    const file = box.write('quick.yaml', QUICK);
    const first = await box.weft(['run', file]);
    expectExit(first, 3);
    await new Promise((r) => setTimeout(r, 2500));
    const r = await box.weft(['runs', 'resume', 'last']);
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toEqual({ paid: 0 });
    expect(r.stderr).toMatch(/run \S+ succeeded/);
  });
});
