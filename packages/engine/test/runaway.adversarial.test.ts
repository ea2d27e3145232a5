/**
 * Runaway runs (issue 17, section 3) through the Engine library: workflows that call themselves,
 * fan out without end, or are cancelled while their children start. A cycle written with literal
 * ids is refused at publish; one written with expressions is stopped at run time by the depth and
 * children bounds; a cancel reaches every descendant, including one whose start is under way.
 * Each case checks that the engine stays responsive (a store read, another run finishing), that
 * the run ends with a clear error, and that no run is left unfinished.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hashDefinition, type RunRecord } from '@weft/core';
import { Engine, WeftError, type EngineOptions, type WorkflowResolver } from '../src/index.js';
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

async function allRuns(engine: Engine): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await engine.store.listRuns({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.runs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

const unfinished = async (engine: Engine) =>
  (await engine.store.runIdsByStatus(['queued', 'running', 'waiting', 'paused'])).length;

/** Polls until every run has ended; fails (rather than hangs) if some never do. */
async function allEnded(engine: Engine): Promise<RunRecord[]> {
  for (let i = 0; i < 500 && (await unfinished(engine)) > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const runs = await allRuns(engine);
  expect(runs.filter((r) => !['succeeded', 'failed', 'cancelled'].includes(r.status))).toEqual([]);
  return runs;
}

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

describe('a cycle through expressions is stopped by the depth bound', () => {
  /** `runs`: how many runs the chain makes at most (a failure may cancel siblings not started). */
  const payloads: { name: string; workflows: string[]; start: string; runs: number }[] = [
    {
      name: 'a → b → a',
      workflows: [call('a', '"{{ \'b\' }}"'), call('b', 'a')],
      start: 'a',
      runs: 33,
    },
    {
      name: 'a workflow naming itself from its input',
      workflows: [
        `id: me\nnodes:\n  - { id: call, type: subworkflow, with: { workflow: "{{ inputs.next }}", input: { next: "{{ inputs.next }}" } } }\n`,
      ],
      start: 'me',
      runs: 33,
    },
    {
      name: 'a fan-out of two per level, bounded at depth 4',
      workflows: [
        `id: fan\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [1, 2] }}", concurrency: 2, workflow: "{{ 'fan' }}" } }\n`,
      ],
      start: 'fan',
      runs: 1 + 2 + 4 + 8 + 16,
    },
  ];
  for (const p of payloads) {
    it(`adversarial: ${p.name} ends failed with child_depth_exceeded`, async () => {
      const engine = await open(p.name.includes('depth 4') ? { maxChildDepth: 4 } : {});
      for (const w of p.workflows) await engine.publish(w);
      const run = await engine.run(p.start, { input: { next: 'me' } });
      expect(run.status).toBe('failed');
      expect(run.error?.code).toBe('child_depth_exceeded');
      expect(run.error?.message).toMatch(/a child run at depth \d+ is past maxChildDepth/);
      const runs = await allEnded(engine);
      expect(runs.length).toBeGreaterThan(4);
      expect(runs.length).toBeLessThanOrEqual(p.runs);
      await stillServes(engine);
    });
  }

  it('recursion with a base case below the bound runs to its end', async () => {
    const engine = await open();
    await engine.publish(yaml`
id: countdown
inputs: { type: object, properties: { n: { type: number } } }
outputs: { n: "{{ inputs.n }}" }
nodes:
  - id: again
    type: subworkflow
    when: "{{ inputs.n > 0 }}"
    with: { workflow: "{{ 'countdown' }}", input: { n: "{{ inputs.n - 1 }}" } }
`);
    const run = await engine.run('countdown', { input: { n: 10 } });
    expect(run.status).toBe('succeeded');
    expect(await allRuns(engine)).toHaveLength(11);
  });
});

describe('a run may ask for so many child runs', () => {
  for (const concurrency of [1, 7]) {
    it(`adversarial: a foreach over a workflow past maxChildRuns (${concurrency} at a time) fails, having started no more`, async () => {
      const engine = await open({ maxChildRuns: 10 });
      await engine.publish('id: leaf\nnodes:\n  - { id: a, type: noop }\n');
      const run = await engine.run(
        `id: many\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [0..49] }}", concurrency: ${concurrency}, workflow: leaf } }\n`,
      );
      expect(run.status).toBe('failed');
      expect(run.error?.code).toBe('child_runs_exceeded');
      expect(run.error?.message).toContain('past maxChildRuns (10)');
      const children = (await allEnded(engine)).filter((r) => r.parentRunId === run.id);
      // One at a time, exactly ten start; more at a time, the failure cancels starts under way.
      if (concurrency === 1) expect(children).toHaveLength(10);
      else expect(children.length).toBeLessThanOrEqual(10);
      await stillServes(engine);
    });
  }

  it('adversarial: a loop calling a child each iteration stops at the bound', async () => {
    const engine = await open({ maxChildRuns: 5 });
    await engine.publish('id: leaf\nnodes:\n  - { id: a, type: noop }\n');
    const run = await engine.run(yaml`
id: looping
nodes:
  - id: again
    type: loop
    with: { while: "{{ true }}", max_iterations: 1000 }
    nodes:
      - { id: call, type: subworkflow, with: { workflow: leaf } }
`);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('child_runs_exceeded');
    const children = (await allEnded(engine)).filter((r) => r.parentRunId === run.id);
    expect(children).toHaveLength(5);
  });

  it('adversarial: children of children count for their own parent, not the root', async () => {
    const engine = await open({ maxChildRuns: 3 });
    await engine.publish('id: leaf\nnodes:\n  - { id: a, type: noop }\n');
    await engine.publish(
      `id: mid\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [1, 2, 3] }}", workflow: leaf } }\n`,
    );
    const run = await engine.run(
      `id: top3\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [1, 2, 3] }}", workflow: mid } }\n`,
    );
    expect(run.status).toBe('succeeded');
    expect(await allRuns(engine)).toHaveLength(1 + 3 + 9);
  });
});

describe('a cancel reaches every descendant', () => {
  const tree = [
    'id: leaf\nnodes:\n  - { id: hold, type: probe, with: { hang: true } }\n',
    `id: mid\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [1, 2] }}", concurrency: 2, workflow: leaf } }\n`,
    yaml`
id: top
nodes:
  - { id: each, type: foreach, with: { items: "{{ [1, 2, 3] }}", concurrency: 3, workflow: mid } }
  - { id: one, type: subworkflow, with: { workflow: leaf } }
`,
  ];
  /** top, 3 mids, 6 + 1 leaves. */
  const TREE_RUNS = 11;

  it('adversarial: cancelling the root of a waiting tree cancels all 10 descendants', async () => {
    const engine = await open();
    for (const w of tree) await engine.publish(w);
    const { id } = await engine.start('top');
    for (let i = 0; i < 500 && (await allRuns(engine)).length < TREE_RUNS; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await engine.cancel(id);
    const runs = await allEnded(engine);
    expect(runs).toHaveLength(TREE_RUNS);
    expect(runs.map((r) => r.status)).toEqual(Array(TREE_RUNS).fill('cancelled'));
    await stillServes(engine);
  });

  it('adversarial: a cancel while a child start waits on the resolver: that child is not left running', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const reached = new Promise<void>((r) => (asked = r));
    // An embedder's resolver that is slow for `leaf` (a file read, say), then defers to the store.
    const resolveWorkflow: WorkflowResolver = async (ref) => {
      if (ref === 'leaf') {
        asked();
        await held;
      }
      return undefined;
    };
    const engine = await open({ resolveWorkflow });
    for (const w of tree) await engine.publish(w);
    const { id } = await engine.start(call('parent', 'leaf'));
    await reached;
    await engine.cancel(id);
    release();
    // Time for the held start to go on: it would create the child now (the fix creates none).
    await new Promise((r) => setTimeout(r, 200));
    const runs = await allEnded(engine);
    expect(runs.find((r) => r.id === id)?.status).toBe('cancelled');
    expect(runs.filter((r) => r.status !== 'cancelled')).toEqual([]);
    await stillServes(engine);
  });

  it('adversarial: cancelling the root of a self-calling chain ends every run in it', async () => {
    const engine = await open();
    await engine.publish(call('a', '"{{ \'b\' }}"'));
    await engine.publish(call('b', 'a'));
    const { id } = await engine.start('a');
    for (let i = 0; i < 500 && (await allRuns(engine)).length < 10; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await engine.cancel(id);
    const runs = await allEnded(engine);
    expect(runs.length).toBeLessThanOrEqual(33);
    expect(runs.find((r) => r.id === id)?.status).toBe('cancelled');
    await stillServes(engine);
  });

  it('property: whenever the root is cancelled, and however child starts are delayed, no run is left unfinished', async () => {
    // A full run-up of the tree commits this many events: the cancel lands anywhere among them.
    const probe = await open();
    for (const w of tree) await probe.publish(w);
    let total = 0;
    probe.onEvents((events) => (total += events.length));
    await probe.start('top');
    for (let i = 0; i < 500 && (await allRuns(probe)).length < TREE_RUNS; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(total).toBeGreaterThan(20);

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: total }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 12, maxLength: 12 }),
        async (cancelAt, delays) => {
          let starts = 0;
          // Child starts take a random number of timer turns in the resolver.
          const resolveWorkflow: WorkflowResolver = async () => {
            const turns = delays[starts++ % delays.length] ?? 0;
            for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 1));
            return undefined;
          };
          const engine = await Engine.open({
            db: ':memory:',
            nodes: [probeNode([])],
            resolveWorkflow,
          });
          try {
            for (const w of tree) await engine.publish(w);
            let seen = 0;
            let rootId: string | undefined;
            let cancelled: Promise<void> | undefined;
            engine.onEvents((events, run) => {
              if (run.workflowId === 'top') rootId = run.id;
              seen += events.length;
              if (cancelled === undefined && seen >= cancelAt && rootId !== undefined) {
                cancelled = engine.cancel(rootId).catch(() => undefined);
              }
            });
            await engine.start('top');
            for (let i = 0; i < 500 && cancelled === undefined; i++) {
              await new Promise((r) => setTimeout(r, 5));
            }
            await cancelled;
            const runs = await allEnded(engine);
            expect(runs.filter((r) => r.status !== 'cancelled')).toEqual([]);
          } finally {
            await engine.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a child whose parent ended while the engine was down is cancelled at start', async () => {
    const db = tempDb();
    const first = await Engine.open({ db, nodes: [probeNode([])] });
    for (const w of tree) await first.publish(w);
    const { id } = await first.start(call('parent', 'leaf'));
    for (let i = 0; i < 500 && (await allRuns(first)).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.close();
    // As if the parent's cancel had been committed and the process had died before it reached
    // the child: the parent's row alone says cancelled.
    const again = await open({ db, autoStart: false });
    const parent = (await again.store.loadRun(id))!.run;
    await again.store.commit([
      {
        run: { ...parent, status: 'cancelled', finishedAt: new Date().toISOString() },
        nodes: [],
        events: [],
        addTimers: [],
        removeTimers: [],
        inputUnchanged: true,
      },
    ]);
    await again.close();
    engines.splice(engines.indexOf(again), 1);
    const restarted = await open({ db });
    const runs = await allEnded(restarted);
    const child = runs.find((r) => r.parentRunId === id);
    expect(child?.status).toBe('cancelled');
  });
});

describe('the bounds are options of Engine.open', () => {
  it('refuses a bound that is not a whole number of at least 1', async () => {
    for (const bad of [{ maxChildDepth: 0 }, { maxChildRuns: 1.5 }, { maxNodeCrashes: -1 }]) {
      await expect(Engine.open({ db: ':memory:', ...bad })).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining(Object.keys(bad)[0]!),
      });
    }
  });
});

describe('a shutdown is not a crash', () => {
  it('a node cut off by four shutdowns in a row runs again after each, never failed as crashed', async () => {
    const db = tempDb();
    let engine = await Engine.open({ db, nodes: [probeNode([])] });
    const { id } = await engine.start(
      'id: long\nnodes:\n  - { id: slow, type: probe, with: { hang: true } }\n',
    );
    for (let restart = 1; restart <= 4; restart++) {
      // Drained as `weft serve` does, then closed: the execution in flight is cut off.
      expect(await engine.drain(10)).toBe(false);
      await engine.close();
      engine = await Engine.open({ db, nodes: [probeNode([])] });
      const view = await engine.get(id);
      expect(view?.status).toBe('running');
      expect(view?.nodes['slow']).toMatchObject({ status: 'running', attempts: restart + 1 });
    }
    await engine.cancel(id);
    await engine.close();
  });
});
