/**
 * Runaway runs (issue 17, section 3) through the Engine library: workflows that call themselves.
 * A cycle written with literal ids is refused at publish, naming it, and nothing of it is stored;
 * the engine goes on serving (a store read, another run finishing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashDefinition } from '@weft/core';
import { Engine, WeftError, type EngineOptions } from '../src/index.js';
import { probeNode, tempDb, yaml } from './helpers.js';

const engines: Engine[] = [];
async function open(options: EngineOptions = {}): Promise<Engine> {
  const engine = await Engine.open({
    db: tempDb(),
    ...options,
    nodes: [probeNode([]), ...(options.nodes ?? [])],
  });
  engines.push(engine);
  return engine;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

/** The engine still serves: a store read answers and an unrelated run finishes. */
async function stillServes(engine: Engine): Promise<void> {
  await engine.ping();
  const run = await engine.run('id: bystander\nnodes:\n  - { id: a, type: noop }\n');
  expect(run.status).toBe('succeeded');
}

async function publishError(engine: Engine, text: string): Promise<WeftError> {
  try {
    await engine.publish(text);
  } catch (e) {
    if (WeftError.is(e)) return e;
    throw e;
  }
  throw new Error('published');
}

const call = (id: string, ref: string, extra = '') =>
  `id: ${id}\nnodes:\n  - { id: call, type: subworkflow, with: { workflow: ${ref}${extra} } }\n`;

describe('cycles of literal references are refused at publish', () => {
  const cases: {
    name: string;
    stored: string[];
    closing: string;
    path: string;
    chain: string;
  }[] = [
    {
      name: 'a workflow that calls itself',
      stored: [],
      closing: call('a', 'a'),
      path: 'nodes[0].with.workflow',
      chain: 'a (nodes[0].with.workflow) → a',
    },
    {
      name: 'a → b → a',
      stored: [call('b', 'a')],
      closing: call('a', 'b'),
      path: 'nodes[0].with.workflow',
      chain: 'a (nodes[0].with.workflow) → b (nodes[0].with.workflow) → a',
    },
    {
      name: 'a → b → c → a, through a foreach over a workflow and a nested body',
      stored: [
        yaml`
id: b
nodes:
  - { id: first, type: noop }
  - id: each
    type: foreach
    with: { items: "{{ [1, 2] }}" }
    nodes:
      - { id: inner, type: subworkflow, with: { workflow: c } }
`,
        call('c', 'a'),
      ],
      closing: yaml`
id: a
nodes:
  - { id: fan, type: foreach, with: { items: "{{ [1] }}", workflow: b } }
`,
      path: 'nodes[0].with.workflow',
      chain:
        'a (nodes[0].with.workflow) → b (nodes[1].nodes[0].with.workflow) → c (nodes[0].with.workflow) → a',
    },
    {
      name: 'a pinned version that calls back',
      stored: [call('b', 'a')],
      closing: call('a', 'b', ', version: 1'),
      path: 'nodes[0].with.workflow',
      chain: 'a (nodes[0].with.workflow) → b@1 (nodes[0].with.workflow) → a',
    },
  ];

  for (const c of cases) {
    it(`adversarial: refuses ${c.name}, naming the cycle, and stores nothing of it`, async () => {
      const engine = await open();
      for (const text of c.stored) await engine.publish(text);
      const before = await engine.store.listWorkflows('default');
      const err = await publishError(engine, c.closing);
      expect(err.code).toBe('invalid_definition');
      expect(err.message).toContain(`workflow cycle ${c.chain}`);
      expect(err.details).toEqual([expect.objectContaining({ path: c.path })]);
      // Nothing of the refused version; the others as they were.
      expect(await engine.store.listWorkflows('default')).toEqual(before);
      await stillServes(engine);
    });
  }

  it('adversarial: refuses a cycle through an older version of a workflow, naming the versions', async () => {
    const engine = await open();
    await engine.publish(call('c', 'a'));
    await engine.publish(call('a', 'd'));
    await engine.publish('id: d\nnodes:\n  - { id: a, type: noop }\n');
    // c@2 calls c@1, which calls a, which calls d: no cycle yet.
    await engine.publish(call('c', 'c', ', version: 1'));
    // d@2 would call c (the latest, c@2): d → c → c@1 → a → d.
    const err = await publishError(engine, call('d', 'c'));
    expect(err.message).toContain(
      'workflow cycle d (nodes[0].with.workflow) → c (nodes[0].with.workflow) → c@1 (nodes[0].with.workflow) → a (nodes[0].with.workflow) → d',
    );
    expect(await engine.store.latestWorkflowVersion('default', 'd')).toBe(1);
  });

  it('adversarial: refuses a workflow calling into a cycle stored before cycles were refused', async () => {
    const engine = await open();
    // Written to the store directly, as a database from before this check may hold them.
    for (const [id, ref] of [
      ['x', 'y'],
      ['y', 'x'],
    ] as const) {
      const definition = {
        id,
        nodes: [{ id: 'call', type: 'subworkflow', with: { workflow: ref } }],
        edges: [],
      };
      const hash = hashDefinition(definition);
      await engine.store.saveWorkflow({ tenant: 'default', definition, source: id, hash });
    }
    const err = await publishError(
      engine,
      'id: z\nnodes:\n  - { id: a, type: noop }\n  - { id: call, type: subworkflow, with: { workflow: x } }\n',
    );
    expect(err.details).toEqual([expect.objectContaining({ path: 'nodes[1].with.workflow' })]);
    expect(err.message).toContain(
      'it calls into the workflow cycle x (nodes[0].with.workflow) → y (nodes[0].with.workflow) → x',
    );
  });

  it('accepts what is not a cycle: expressions, diamonds, missing and older versions, other tenants', async () => {
    const engine = await open();
    // A template is known only at run time.
    await engine.publish(call('self', '"{{ \'self\' }}"'));
    // A diamond reaches one workflow twice without a cycle.
    await engine.publish(call('leaf', 'missing-yet'));
    await engine.publish(call('left', 'leaf'));
    await engine.publish(call('right', 'leaf'));
    await engine.publish(yaml`
id: top
nodes:
  - { id: l, type: subworkflow, with: { workflow: left } }
  - { id: r, type: subworkflow, with: { workflow: right } }
`);
    // A new version calling an older version of itself that calls nothing back.
    await engine.publish('id: ver\nnodes:\n  - { id: a, type: noop }\n');
    expect((await engine.publish(call('ver', 'ver', ', version: 1'))).version).toBe(2);
    // Tenants do not see each other's workflows.
    await engine.publish(call('x', 'y'), { tenant: 't1' });
    await engine.publish(call('y', 'x'), { tenant: 't2' });
  });
});
