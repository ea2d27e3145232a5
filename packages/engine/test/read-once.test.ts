/**
 * Reading nothing twice (issue 10): `run()` answers with the state the runner held at the commit
 * that settled the run, identical to what a read of the store gives; a start without a version
 * finds the latest version without a query once it knows it, and publish, delete and tenant moves
 * make it look again.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@weft/store-sqlite';
import type { Store } from '@weft/core';
import { moveTenant, type Engine } from '../src/index.js';
import { openEngine, tempDb, yaml } from './helpers.js';

let engine: Engine | undefined;
let stores: Store[] = [];
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  for (const s of stores) await s.close();
  stores = [];
});

/** A real SQLite store whose method calls are counted by name. */
async function countedStore(path = ':memory:') {
  const store = await openSqliteStore({ path });
  stores.push(store);
  const calls = new Map<string, number>();
  const counted = new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted as Store, calls };
}

const steps = yaml`
id: steps
nodes:
  - { id: a, type: probe, with: { value: { n: 1, list: [1, "two", null], deep: { x: [true] } } } }
  - { id: b, type: probe, needs: [a], with: { value: "{{ a.n + 1 }}" } }
  - { id: c, type: probe, needs: [b], with: { value: "{{ inputs }}" } }
`;

describe('run() answers from memory', () => {
  it('reads no run from the store, and answers what get() reads', async () => {
    const { store, calls } = await countedStore();
    ({ engine } = await openEngine({ store }));
    const { id } = await engine.publish(steps);
    await engine.run(id); // the first start learns the latest version
    calls.clear();
    const run = await engine.run(id, { input: { who: 'ada' } });
    expect(run.status).toBe('succeeded');
    expect(calls.get('loadRun') ?? 0).toBe(0);
    expect(calls.get('getRun') ?? 0).toBe(0);
    expect(calls.get('latestWorkflowVersion') ?? 0).toBe(0);
    expect(run).toStrictEqual(await engine.get(run.id));
  });

  const shapes: Record<string, string> = {
    failed: yaml`
id: failed
nodes:
  - { id: bad, type: probe, with: { fail_times: 1, retryable: false, code: broken } }
  - { id: long, type: probe, with: { delay_ms: 5 } }
  - { id: after, type: probe, needs: [bad, long] }
`,
    retried: yaml`
id: retried
nodes:
  - id: flaky
    type: probe
    retry: { max_attempts: 3, backoff: fixed, initial_ms: 1 }
    with: { fail_times: 2, value: ok }
`,
    handled: yaml`
id: handled
nodes:
  - id: bad
    type: probe
    with: { fail_times: 1, retryable: false, code: broken }
    on_error: branch
  - { id: next, type: probe, needs: [bad], with: { value: "{{ bad }}" } }
  - { id: handler, type: probe, needs: [{ node: bad, port: error }], with: { value: "{{ bad.error.code }}" } }
`,
    foreach: yaml`
id: each
nodes:
  - id: each
    type: foreach
    with: { items: "[3, 1, 2]", concurrency: 2 }
    nodes:
      - { id: work, type: probe, with: { delay_ms: "{{ item }}", value: "{{ index & ':' & item }}" } }
`,
    branches: yaml`
id: branches
nodes:
  - { id: check, type: if, with: { condition: "1 > 2" } }
  - { id: yes, type: probe, needs: [{ node: check, port: "true" }] }
  - { id: no, type: probe, needs: [{ node: check, port: "false" }], with: { value: no } }
`,
    human: yaml`
id: approval
nodes:
  - id: ask
    type: human
    with: { prompt: "ok?" }
  - { id: first, type: probe, with: { value: 1 } }
  - { id: after, type: probe, needs: [ask], with: { value: "{{ ask }}" } }
`,
    child: yaml`
id: parent
nodes:
  - { id: sub, type: subworkflow, with: { workflow: kid, input: { x: 21 } } }
`,
  };

  for (const [name, text] of Object.entries(shapes)) {
    it(`answers what get() reads: ${name}`, async () => {
      ({ engine } = await openEngine());
      await engine.publish(
        `id: kid\nnodes:\n  - { id: k, type: probe, with: { value: "{{ inputs.x }}" } }\n`,
      );
      const run = await engine.run(text, { input: { n: 1 } });
      expect(run).toStrictEqual(await engine.get(run.id));
    });
  }

  it('answers what get() reads whatever the input and outputs are', async () => {
    ({ engine } = await openEngine());
    const { id } = await engine.publish(yaml`
id: echo
nodes:
  - { id: a, type: probe, with: { value: "{{ inputs.v }}" } }
  - { id: b, type: probe, needs: [a], with: { value: "{{ inputs }}" } }
`);
    // Values as a caller may hand them: undefined entries and -0 are not JSON, and are stored as
    // JSON stores them.
    const value = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.oneof(fc.constant(undefined), fc.constant(-0), fc.jsonValue())),
      fc.array(fc.oneof(fc.constant(undefined), fc.constant(-0), fc.integer())),
    );
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const run = await engine!.run(id, { input: { v } });
        expect(run).toStrictEqual(await engine!.get(run.id));
      }),
      { numRuns: 60 },
    );
  });

  it('answers what get() reads for a run that had settled before the wait', async () => {
    const { store, calls } = await countedStore();
    ({ engine } = await openEngine({ store }));
    const { id } = await engine.start(steps);
    await engine.wait(id);
    calls.clear();
    const again = await engine.wait(id);
    expect(calls.get('loadRun')).toBe(1);
    expect(again).toStrictEqual(await engine.get(id));
  });
});

describe('recovery', () => {
  it('reads the unfinished runs together, not one by one, and carries every one on', async () => {
    const db = tempDb();
    const first = await openEngine({ db });
    engine = first.engine;
    const { id } = await engine.publish(yaml`
id: hangs
nodes:
  - { id: a, type: probe, with: { hang: true } }
`);
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await engine.start(id)).id);
    await engine.close();
    const { store, calls } = await countedStore(db);
    const again = await openEngine({ store });
    engine = again.engine;
    expect(calls.get('loadRun') ?? 0).toBe(0);
    expect(calls.get('loadRuns')).toBe(1);
    const resumed = again.calls.filter((c) => c.attempt === 2).map((c) => c.key.split(':')[0]);
    expect(new Set(resumed)).toEqual(ids);
  });
});

describe('the latest version of a workflow', () => {
  const version = (n: number) => yaml`
id: versioned
nodes:
  - { id: a, type: probe, with: { value: ${n} } }
`;

  it('is read once, and a publish makes a start without a version run the new one', async () => {
    const { store, calls } = await countedStore();
    ({ engine } = await openEngine({ store }));
    await engine.publish(version(1));
    expect((await engine.run('versioned')).output).toBe(1);
    calls.clear();
    expect((await engine.run('versioned')).output).toBe(1);
    expect(calls.get('latestWorkflowVersion') ?? 0).toBe(0);
    expect(await engine.publish(version(2))).toMatchObject({ version: 2, created: true });
    const second = await engine.run('versioned');
    expect([second.version, second.output]).toEqual([2, 2]);
    // Publishing the same content again keeps version 2.
    await engine.publish(version(2));
    expect((await engine.run('versioned')).version).toBe(2);
  });

  it('is forgotten when the workflow is deleted, and found again when it is published', async () => {
    ({ engine } = await openEngine());
    await engine.publish(version(1));
    await engine.run('versioned');
    expect(await engine.deleteWorkflow('versioned')).toBe(true);
    await expect(engine.start('versioned')).rejects.toMatchObject({ code: 'not_found' });
    await engine.publish(version(3));
    const run = await engine.run('versioned');
    expect([run.version, run.output]).toEqual([2, 3]);
  });

  it('is forgotten for a tenant whose workflows moved to another', async () => {
    ({ engine } = await openEngine({ db: tempDb(), secretKey: 'k'.repeat(32) }));
    await engine.publish(version(1));
    await engine.run('versioned');
    await moveTenant(engine, 'default', 'acme');
    await expect(engine.start('versioned')).rejects.toMatchObject({ code: 'not_found' });
    const moved = await engine.run('versioned', { tenant: 'acme' });
    expect([moved.status, moved.output]).toEqual(['succeeded', 1]);
  });
});
