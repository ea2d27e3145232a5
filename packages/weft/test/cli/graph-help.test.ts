/**
 * `weft graph`, `weft --version`, `weft help`, and what an unknown command or option does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
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

/** `weft graph` takes no --db; run it in the sandbox directly. */
const graph = (...args: string[]) => weft(['graph', ...args], { cwd: box.dir });

describe.concurrent('weft graph', () => {
  it('mermaid (the default) for branching.yaml: every node, port edges labelled', async () => {
    const r = await graph(example('branching.yaml'));
    expectExit(r, 0);
    const out = r.stdout;
    expect(out.startsWith('flowchart TD\n')).toBe(true);
    for (const [id, type] of [
      ['big', 'if'],
      ['review', 'set'],
      ['auto', 'set'],
      ['route', 'switch'],
      ['refund', 'transform'],
      ['charge', 'transform'],
      ['other', 'noop'],
      ['decided', 'noop'],
    ]) {
      expect(out).toContain(`${id}["${id} (${type})"]`);
    }
    for (const edge of [
      'big -->|true| review',
      'big -->|false| auto',
      'route -->|refund| refund',
      'route -->|charge| charge',
      'route -->|default| other',
      'refund --> decided',
      'charge --> decided',
      'other --> decided',
    ]) {
      expect(out).toContain(edge);
    }
  });

  it('dot for branching.yaml', async () => {
    const r = await graph(example('branching.yaml'), '--format', 'dot');
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^digraph "branching" \{\n/);
    expect(r.stdout.trimEnd().endsWith('}')).toBe(true);
    expect(r.stdout).toContain('"big" [label="big (if)"];');
    expect(r.stdout).toContain('"big" -> "review" [label="true"];');
    expect(r.stdout).toContain('"route" -> "other" [label="default"];');
    expect(r.stdout).toContain('"refund" -> "decided";');
  });

  it('foreach.yaml: the body is a subgraph, in both formats', async () => {
    const m = await graph(example('foreach.yaml'), '--format', 'mermaid');
    expectExit(m, 0);
    expect(m.stdout).toContain('subgraph each["each (foreach)"]');
    expect(m.stdout).toMatch(/^\s+each__measure\["measure \(set\)"\]$/m);
    expect(m.stdout).toContain('total["total (transform)"]');
    expect(m.stdout).toContain('each --> total');
    const d = await graph(example('foreach.yaml'), '--format', 'dot');
    expectExit(d, 0);
    expect(d.stdout).toContain('subgraph "cluster_each" {');
    expect(d.stdout).toContain('label="each (foreach)";');
    expect(d.stdout).toContain('"each__measure" [label="measure (set)"];');
    expect(d.stdout).toContain('"each" -> "total";');
  });

  it('a state machine is a stateDiagram-v2: compound states as blocks, labelled transitions', async () => {
    const order = await graph(example('order.yaml'));
    expectExit(order, 0);
    expect(order.stdout.split('\n').slice(0, 5)).toEqual([
      'stateDiagram-v2',
      '  [*] --> created',
      '  created --> paid: PAY [event.amount >= inputs.total]',
      '  created --> cancelled: CANCEL',
      '  created --> expired: after P7D',
    ]);
    expect(order.stdout).toContain('  delivered --> [*]\n');
    box.write(
      'door.yaml',
      [
        'id: door',
        'kind: state-machine',
        'initial: open',
        'states:',
        '  open:',
        '    initial: ajar',
        '    on: { LOCK: locked }',
        '    states:',
        '      ajar: { on: { PUSH: wide }, always: [ { target: wide, guard: "context.wind" } ] }',
        '      wide: { on: { PULL: ajar } }',
        '  locked: { type: final }',
        '',
      ].join('\n'),
    );
    const door = await graph('door.yaml');
    expectExit(door, 0);
    expect(door.stdout).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> open',
        '  state open {',
        '    [*] --> open__ajar',
        '    state "ajar" as open__ajar',
        '    open__ajar --> open__wide: PUSH',
        '    open__ajar --> open__wide: always [context.wind]',
        '    state "wide" as open__wide',
        '    open__wide --> open__ajar: PULL',
        '  }',
        '  open --> locked: LOCK',
        '  locked --> [*]',
        '',
      ].join('\n'),
    );
    const dot = await graph('door.yaml', '--format', 'dot');
    expectExit(dot, 2);
    expect(dot.stderr).toMatch(/drawn with --format mermaid only/);
  });

  it('a bad --format exits 2', async () => {
    const r = await graph(example('foreach.yaml'), '--format', 'svg');
    expectExit(r, 2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--format must be mermaid or dot/);
  });

  it('an invalid definition exits 2 with its problems', async () => {
    box.write('bad.yaml', 'id: bad\nnodes:\n  - id: x\n    type: teleport\n');
    const r = await graph('bad.yaml');
    expectExit(r, 2);
    expect(r.stderr).toMatch(/^bad\.yaml:4:\d+: nodes\[0\]\.type: unknown node type `teleport`/m);
  });
});

describe.concurrent('weft --version, help and mistakes', () => {
  const version = (
    JSON.parse(readFileSync(join(repoRoot, 'packages', 'weft', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const cli = (...args: string[]) => weft(args, { cwd: box.dir });

  it('--version and -v print the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await cli(flag);
      expectExit(r, 0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('help lists the commands', async () => {
    const r = await cli('help');
    expectExit(r, 0);
    for (const text of [
      'weft run FILE',
      'weft validate FILE',
      'weft graph FILE',
      'weft runs list',
      'weft runs input RUN --node NODE --value JSON',
    ]) {
      expect(r.stdout).toContain(text);
    }
  });

  it('an unknown command exits 2 and points to help', async () => {
    const r = await cli('frobnicate');
    expectExit(r, 2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"; see weft help/);
    const sub = await cli('runs', 'frobnicate', '--db', box.db);
    expectExit(sub, 2);
    expect(sub.stderr).toMatch(/unknown command "runs frobnicate"/);
  });

  it('an unknown option or a missing argument exits 2', async () => {
    const option = await cli('run', example('hello.yaml'), '--bogus');
    expectExit(option, 2);
    expect(option.stderr).toMatch(/--bogus/);
    const noFile = await cli('run');
    expectExit(noFile, 2);
    expect(noFile.stderr).toMatch(/weft run needs a file/);
  });
});

describe.concurrent('weft graph --format dot: bodies', () => {
  /** The DOT text's node statements (with the clusters they sit in) and edges. */
  function readDot(text: string) {
    const nodes = new Map<string, string[]>();
    const edges: [string, string][] = [];
    const clusters: string[] = [];
    for (const line of text.split('\n')) {
      const open = /^\s*subgraph "cluster_(.+)" \{$/.exec(line);
      if (open !== null) clusters.push(open[1]!);
      else if (/^\s+\}$/.test(line)) clusters.pop();
      const edge = /^\s*"(.+?)" -> "(.+?)"/.exec(line);
      const node = /^\s*"([^"]+)" \[/.exec(line);
      if (edge !== null) edges.push([edge[1]!, edge[2]!]);
      else if (node !== null) nodes.set(node[1]!, [...clusters]);
    }
    return { nodes, edges };
  }

  it('every edge meets a declared node: a foreach or loop is a point on its own cluster', async () => {
    box.write(
      'around.yaml',
      `id: around
nodes:
  - id: start
    type: set
    with: { values: { n: 1 } }
  - id: grow
    type: loop
    needs: [start]
    with: { while: "false", max_iterations: 2 }
    nodes:
      - { id: step, type: noop }
  - id: done
    type: noop
    needs: [grow]
`,
    );
    for (const [file, containers] of [
      [example('foreach.yaml'), ['each']],
      [example('loop.yaml'), []],
      ['around.yaml', ['grow']],
    ] as const) {
      const r = await graph(file, '--format', 'dot');
      expectExit(r, 0);
      const { nodes, edges } = readDot(r.stdout);
      // Graphviz draws an undeclared id as a stray node outside every cluster.
      for (const [from, to] of edges) {
        expect(nodes.has(from), `${file}: ${from} is not declared\n${r.stdout}`).toBe(true);
        expect(nodes.has(to), `${file}: ${to} is not declared\n${r.stdout}`).toBe(true);
      }
      for (const id of containers) expect(nodes.get(id)).toEqual([id]);
    }
  });
});
