/**
 * `weft validate FILE...`: every problem at once as `file:line:column: path: message`, exit 2 if any.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectExit,
  lines,
  repoRoot,
  requireBuild,
  sandbox,
  weft,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

const DIAGNOSTIC = /^[\w./-]+:\d+:\d+: \S+: .+$/;

// Line numbers matter: each problem must point at its own line.
const MANY_PROBLEMS = `id: many-problems
nodes:
  - id: start
    type: noop
  - id: magic
    type: teleport
    needs: [start]
  - id: start
    type: noop
  - id: a
    type: noop
    needs: [b]
  - id: b
    type: noop
    needs: [a]
  - id: calc
    type: transform
    needs: [start]
    with:
      expression: "1 +* ("
edges:
  - { from: start, to: ghost }
`;

describe.concurrent('weft validate', () => {
  it('reports every problem of a file, each as file:line:column: path: message, and exits 2', async () => {
    box.write('many.yaml', MANY_PROBLEMS);
    const r = await box.weft(['validate', 'many.yaml']);
    expectExit(r, 2);
    const out = lines(r.stdout);
    for (const line of out) expect(line).toMatch(DIAGNOSTIC);
    const expected = [
      /^many\.yaml:6:\d+: nodes\[1\]\.type: unknown node type `teleport`/,
      /^many\.yaml:8:\d+: nodes\[2\]\.id: duplicate node id `start`/,
      /^many\.yaml:1[25]:\d+: nodes\[[34]\]\.needs\[0\]: cycle: (a -> b -> a|b -> a -> b)$/,
      /^many\.yaml:20:\d+: nodes\[5\]\.with\.expression: invalid expression/,
      /^many\.yaml:22:\d+: edges\[0\]\.to: edge to unknown node `ghost`/,
    ];
    for (const re of expected)
      expect(
        out.some((l) => re.test(l)),
        `${String(re)} in\n${r.stdout}`,
      ).toBe(true);
    expect(out).toHaveLength(expected.length);
    expect(r.stderr).not.toMatch(/many\.yaml: ok/);
  });

  it('reports a reference to a node that is not upstream, an unknown port and bad parameters', async () => {
    box.write(
      'refs.yaml',
      `id: refs
nodes:
  - id: start
    type: noop
  - id: early
    type: set
    with:
      values:
        v: "{{ late.value }}"
  - id: late
    type: set
    needs: [start]
    with:
      values: { value: 1 }
  - id: port
    type: noop
    needs: [{ node: start, port: nope }]
  - id: pause
    type: wait
    needs: [start]
    with: { duration: true }
`,
    );
    const r = await box.weft(['validate', 'refs.yaml']);
    expectExit(r, 2);
    expect(r.stdout).toMatch(
      /^refs\.yaml:9:\d+: nodes\[1\]\.with\.values\.v: references node `late`, which is not upstream of `early`$/m,
    );
    expect(r.stdout).toMatch(/^refs\.yaml:17:\d+: nodes\[3\]\.needs\[0\]\.port: .*no port `nope`/m);
    expect(r.stdout).toMatch(/^refs\.yaml:21:\d+: nodes\[4\]\.with\.duration: /m);
    for (const line of lines(r.stdout)) expect(line).toMatch(DIAGNOSTIC);
  });

  // SPEC 1: "Validation reports every problem at once". Today a cycle anywhere in a level turns off
  // the upstream check of the whole level (core dsl/references.ts `finish()` skips levels whose
  // topological order is undefined), so this non-upstream reference goes unreported.
  it('reports a non-upstream reference even when the same graph also has a cycle', async () => {
    box.write(
      'cycle-and-ref.yaml',
      `id: cycle-and-ref
nodes:
  - id: start
    type: noop
  - id: a
    type: noop
    needs: [b]
  - id: b
    type: noop
    needs: [a]
  - id: early
    type: set
    with:
      values:
        v: "{{ late.value }}"
  - id: late
    type: set
    needs: [start]
    with:
      values: { value: 1 }
`,
    );
    const r = await box.weft(['validate', 'cycle-and-ref.yaml']);
    expectExit(r, 2);
    expect(r.stdout).toMatch(/: cycle: /);
    expect(r.stdout).toMatch(
      /^cycle-and-ref\.yaml:15:\d+: nodes\[3\]\.with\.values\.v: references node `late`, which is not upstream of `early`$/m,
    );
  });

  it('gives JSON definitions line and column too', async () => {
    box.write(
      'bad.json',
      JSON.stringify(
        {
          id: 'json-bad',
          nodes: [
            { id: 'x', type: 'noop' },
            { id: 'y', type: 'nope', needs: ['x'] },
          ],
        },
        null,
        2,
      ),
    );
    const r = await box.weft(['validate', 'bad.json']);
    expectExit(r, 2);
    expect(r.stdout).toMatch(/^bad\.json:10:\d+: nodes\[1\]\.type: unknown node type `nope`/m);
  });

  it('accepts every example: exit 0, nothing on stdout, `file: ok` on stderr', async () => {
    const examples = readdirSync(join(repoRoot, 'examples')).filter((f) =>
      /\.(ya?ml|json)$/.test(f),
    );
    expect(examples.length).toBeGreaterThanOrEqual(9);
    const r = await weft(['validate', ...examples.map((f) => join('examples', f))], {
      cwd: repoRoot,
    });
    expectExit(r, 0);
    expect(r.stdout).toBe('');
    for (const f of examples) expect(r.stderr).toContain(`examples/${f}: ok`);
  });

  it('checks several files at once: the bad ones are reported, the good ones are ok, exit 2', async () => {
    box.write('many2.yaml', MANY_PROBLEMS);
    box.write('good.yaml', 'id: good\nnodes:\n  - id: only\n    type: noop\n');
    const r = await box.weft(['validate', 'good.yaml', 'many2.yaml', 'missing.yaml']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/^good\.yaml: ok$/m);
    expect(r.stdout).toMatch(/^many2\.yaml:6:\d+: nodes\[1\]\.type: unknown node type/m);
    expect(r.stdout).toMatch(/missing\.yaml.*no such file/);
    expect(r.stdout).not.toMatch(/good\.yaml/);
  });

  it('refuses an invalid cron schedule as weft run and the API do', async () => {
    box.write(
      'bad-cron.yaml',
      'id: bad-cron\ntriggers:\n  - { type: cron, schedule: "61 * * * *" }\nnodes:\n  - { id: a, type: noop }\n',
    );
    const r = await box.weft(['validate', 'bad-cron.yaml']);
    expectExit(r, 2);
    expect(r.stdout).toMatch(
      /^bad-cron\.yaml:3:\d+: triggers\[0\]\.schedule: invalid cron schedule "61 \* \* \* \*"/m,
    );
    const run = await weft(['run', 'bad-cron.yaml', '--db', 'run.db'], { cwd: box.dir });
    expectExit(run, 2);
    expect(run.stderr).toMatch(/triggers\[0\]\.schedule: invalid cron schedule/);
  });

  it('weft run refuses an invalid definition before it creates a database', async () => {
    box.write('bad-run.yaml', MANY_PROBLEMS);
    box.write(
      'bad-cron-run.yaml',
      'id: bad-cron-run\ntriggers:\n  - { type: cron, schedule: "not a schedule" }\nnodes:\n  - { id: a, type: noop }\n',
    );
    for (const file of ['bad-run.yaml', 'bad-cron-run.yaml']) {
      const r = await weft(['run', file, '--db', `fresh-${file}.db`], { cwd: box.dir });
      expectExit(r, 2);
      expect(existsSync(join(box.dir, `fresh-${file}.db`)), file).toBe(false);
    }
  });

  it('needs a file', async () => {
    const r = await box.weft(['validate']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/needs at least one file/);
  });
});
