/**
 * A decision that throws partway (issue 17, section 2, the deeper cause): the Runner used to log
 * `input rejected` and drop the result, leaving the run `running` for ever. Now the node the input
 * was about fails with the error, and if even that throws the run ends `failed`; other runs go on
 * and the store stays sound. The decider is made to throw by a plan whose node throws when its
 * outgoing edges are read, which happens after the node's state was changed: exactly the
 * half-made decision a stack overflow in the middle of a step leaves.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  compile,
  NodeRegistry,
  parseDefinition,
  type Logger,
  type Plan,
  type RunEvent,
  type RunIdentity,
} from '@weft/core';
import { standardNodes } from '@weft/nodes';
import { openSqliteStore, type SqliteStore } from '@weft/store-sqlite';
import { Runner } from '../src/index.js';
import { probeNode, tempDb, yaml, type ProbeCall } from './helpers.js';

let store: SqliteStore;
let runner: Runner;
let calls: ProbeCall[];
let registry: NodeRegistry;
const plans = new Map<string, Plan>();
const logged: { msg: string | undefined; obj: object }[] = [];
const log: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (obj, msg) => logged.push({ obj, msg }),
  child: () => log,
};

beforeEach(async () => {
  calls = [];
  logged.length = 0;
  plans.clear();
  registry = new NodeRegistry([...standardNodes, probeNode(calls)]);
  store = await openSqliteStore({ path: tempDb() });
  await store.migrate();
  runner = new Runner({
    store,
    registry,
    log,
    loadPlan: async (_tenant, id) => plans.get(id) as Plan,
  });
  await runner.start();
});
afterEach(async () => {
  await runner.close();
  await store.close();
});

function planOf(text: string): Plan {
  const parsed = parseDefinition(text, { registry });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  const plan = compile(parsed.definition, registry);
  plans.set(plan.workflow.id, plan);
  return plan;
}

/**
 * Makes reading the outgoing edges of `node` throw a stack overflow, `times` times (every time
 * when undefined).
 */
function sabotage(plan: Plan, node: string, times?: number): void {
  const pn = plan.root.nodes.find((n) => n.id === node);
  if (pn === undefined) throw new Error(`no node ${node}`);
  const edges = pn.outEdges;
  let left = times ?? Infinity;
  Object.defineProperty(pn, 'outEdges', {
    get() {
      if (left-- > 0) throw new RangeError('Maximum call stack size exceeded');
      return edges;
    },
  });
}

let serial = 0;
/** Starts a run of `plan` and resolves with its events once it ended. */
async function runToEnd(plan: Plan): Promise<{ id: string; events: RunEvent[] }> {
  const id = `00000000-0000-7000-8000-${String(++serial).padStart(12, '0')}`;
  const events: RunEvent[] = [];
  const ended = new Promise<void>((resolve) => {
    runner.subscribe(id, (batch) => {
      events.push(...batch);
      if (batch.some((e) => e.type.startsWith('run.') && isEnd(e.type))) resolve();
    });
  });
  const identity: RunIdentity = {
    id,
    tenant: 'default',
    workflowId: plan.workflow.id,
    version: 1,
    createdAt: new Date().toISOString(),
    priority: 0,
  };
  await runner.create(identity, plan, {});
  await ended;
  return { id, events };
}

const isEnd = (type: string) =>
  type === 'run.succeeded' || type === 'run.failed' || type === 'run.cancelled';

/** What the store holds of the run: its rows read back whole, its events numbered without gaps. */
async function stored(id: string) {
  const rows = await store.loadRun(id);
  if (rows === undefined) throw new Error(`run ${id} is not stored`);
  const events = await store.readEvents(id, 0);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const nodes = Object.fromEntries(rows.nodes.map((n) => [n.path, n]));
  return { run: rows.run, nodes, events };
}

/** Another run, untouched by any sabotage, completes on the same runner. */
async function expectOtherRunsComplete(): Promise<void> {
  const plan = planOf(yaml`
id: other
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: b, type: probe, needs: [a], with: { value: 2 } }
`);
  const { id } = await runToEnd(plan);
  expect((await stored(id)).run).toMatchObject({ status: 'succeeded', output: 2 });
}

it('a result the decider throws on fails its node with the error, and the run with it', async () => {
  const plan = planOf(yaml`
id: thrown
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: b, type: probe, needs: [a], with: { value: 2 } }
`);
  sabotage(plan, 'a');
  const { id } = await runToEnd(plan);
  const { run, nodes } = await stored(id);
  const error = {
    code: 'internal',
    message: 'the engine could not take the result of node a: Maximum call stack size exceeded',
  };
  expect(run).toMatchObject({ status: 'failed', error });
  expect(nodes['a']).toMatchObject({ status: 'failed', error });
  expect(nodes['b']).toBeUndefined();
  expect(logged.map((l) => l.msg)).toContain(
    'decision failed; the run is loaded again and the node fails',
  );
  await expectOtherRunsComplete();
});

it('on_error still applies, and work that was in flight runs again as after a crash', async () => {
  const plan = planOf(yaml`
id: handled
nodes:
  - { id: a, type: probe, on_error: continue, with: { value: 1 } }
  - { id: slow, type: probe, with: { value: 2, delay_ms: 200 } }
  - { id: after, type: probe, needs: [a], with: { value: "{{ a.error.code }}" } }
`);
  // Only the first time: failing the node then reads the edges again, and they work.
  sabotage(plan, 'a', 1);
  const { id, events } = await runToEnd(plan);
  const { run, nodes } = await stored(id);
  expect(run.status).toBe('succeeded');
  expect(nodes['a']).toMatchObject({ status: 'failed', error: { code: 'internal' } });
  expect(nodes['after']).toMatchObject({ status: 'succeeded', output: 'internal' });
  expect(nodes['slow']).toMatchObject({ status: 'succeeded', output: 2 });
  // `slow` was in flight when the run was dropped: it ran again, under the same key.
  const slow = calls.filter((c) => c.path === 'slow');
  expect(slow.length).toBe(2);
  expect(new Set(slow.map((c) => c.key)).size).toBe(1);
  expect(events.filter((e) => e.type === 'node.failed' && e.node === 'a')).toHaveLength(1);
  await expectOtherRunsComplete();
});

it('when failing the node throws too, the run ends failed and its work is cancelled', async () => {
  const plan = planOf(yaml`
id: abandoned
nodes:
  - { id: a, type: probe, on_error: continue, with: { value: 1 } }
  - { id: slow, type: probe, with: { hang: true } }
  - { id: after, type: probe, needs: [a] }
`);
  sabotage(plan, 'a');
  const { id, events } = await runToEnd(plan);
  const { run, nodes } = await stored(id);
  expect(run).toMatchObject({
    status: 'failed',
    error: {
      code: 'internal',
      message: expect.stringMatching(
        /^the engine could not take the result of node a: .*failing the node failed too .*so the run ends$/,
      ),
    },
  });
  expect(nodes['slow']).toMatchObject({ status: 'cancelled' });
  expect(nodes['after']).toBeUndefined();
  expect(events.at(-1)?.type).toBe('run.failed');
  expect(runner.active(id)).toBeUndefined();
  await expectOtherRunsComplete();
});

it('an answer the decider throws on is refused to its sender and fails the node', async () => {
  const plan = planOf(yaml`
id: asked
nodes:
  - { id: ask, type: human, with: { prompt: "?" } }
  - { id: b, type: probe, needs: [ask] }
`);
  sabotage(plan, 'ask');
  const id = '00000000-0000-7000-8000-0000000000aa';
  const ended = new Promise<void>((resolve) =>
    runner.subscribe(id, (batch) => {
      if (batch.some((e) => isEnd(e.type))) resolve();
    }),
  );
  await runner.create(
    {
      id,
      tenant: 'default',
      workflowId: 'asked',
      version: 1,
      createdAt: new Date().toISOString(),
      priority: 0,
    },
    plan,
    {},
  );
  await runner.flush();
  await expect(
    runner.send(id, { type: 'human.input', node: 'ask', value: { ok: true } }),
  ).rejects.toMatchObject({
    code: 'internal',
    message: 'the engine could not take the answer of node ask: Maximum call stack size exceeded',
  });
  await ended;
  const { run, nodes } = await stored(id);
  expect(run.status).toBe('failed');
  expect(nodes['ask']).toMatchObject({ status: 'failed', error: { code: 'internal' } });
  await expectOtherRunsComplete();
});

it('a refused move still changes nothing and is not taken for a failure', async () => {
  const plan = planOf(yaml`
id: refused
nodes: [{ id: a, type: probe, with: { value: 1 } }]
`);
  const { id } = await runToEnd(plan);
  await expect(runner.send(id, { type: 'pause' })).rejects.toMatchObject({
    code: 'invalid_state',
  });
  expect((await stored(id)).run.status).toBe('succeeded');
  expect(logged).toEqual([]);
});
