/**
 * Outputs stored once (each store's `output-refs.ts`) read back as written, on both stores:
 * whatever commits a run goes through — node rows written, reset and deleted, events carrying the very value their row holds,
 * an equal one, or another, the run's output shared with a node's — every event, node row and run
 * row reads back as the writer last gave it, with and without `previous`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRecord, RunEvent, RunRecord, RunWrite, Store } from '@weft/core';
import { openPostgresStore } from '@weft/store-postgres';
import { TEST_POSTGRES_URL, TestSchemas } from '@weft/store-postgres/testing';
import { openSqliteStore } from '@weft/store-sqlite';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

const STORES: [string, () => Promise<Store>][] = [
  ['sqlite', () => openSqliteStore({ path: ':memory:' })],
  [
    'postgres',
    async () => openPostgresStore({ url: TEST_POSTGRES_URL, schema: await schemas.create() }),
  ],
];

/** Values shared by identity between rows and events; numbers and null are never stored once. */
const POOL: unknown[] = [{ a: 1 }, { a: 1 }, 'text', ['x', { nul: 'a\u0000b' }], 7, null, {}];

const stepArb = fc.record({
  nodes: fc.array(
    fc.record({ path: fc.constantFrom('a', 'b', 'each[0].c'), output: fc.nat(POOL.length) }),
    { maxLength: 3 },
  ),
  /** Per node written: its event's output is the row's value (0), another pool value, or none. */
  events: fc.array(fc.nat(POOL.length + 1), { maxLength: 3 }),
  runOutput: fc.nat(POOL.length + 1),
  runSucceeded: fc.boolean(),
  remove: fc.subarray(['a', 'b', 'each[0].c']),
  withPrevious: fc.boolean(),
});

const pick = (i: number): unknown => POOL[i];

let runs = 0;

describe.each(STORES)('outputs stored once: %s', (_name, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
    await store.migrate();
  });
  afterAll(() => store.close());

  it('read back as written through any commits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 6 }), async (steps) => {
        const id = `p${++runs}`;
        const written: RunEvent[] = [];
        const rows = new Map<string, NodeRecord>();
        let previous: RunRecord | undefined;
        let seq = 0;
        for (const step of steps) {
          const nodes = step.nodes.map((n): NodeRecord => ({
            runId: id,
            path: n.path,
            nodeId: n.path,
            status: 'succeeded',
            attempts: 1,
            // POOL.length: no output.
            ...(n.output < POOL.length ? { output: pick(n.output) } : {}),
            state: {},
          }));
          const events: RunEvent[] = [];
          nodes.forEach((n, i) => {
            const choice = step.events[i];
            if (choice === undefined || choice > POOL.length) return;
            const output = choice === 0 ? n.output : pick(choice - 1);
            events.push({
              seq: ++seq,
              type: 'node.succeeded',
              at: new Date(seq * 1000).toISOString(),
              node: n.path,
              data: output === undefined ? { attempts: 1 } : { output, attempts: 1 },
            } as unknown as RunEvent);
          });
          // The run's output: a node's very value when there is one, else a pool value or none.
          const runOutput =
            step.runOutput === 0 && nodes[0]?.output !== undefined
              ? nodes[0].output
              : step.runOutput <= POOL.length && step.runOutput > 0
                ? pick(step.runOutput - 1)
                : undefined;
          if (step.runSucceeded && runOutput !== undefined) {
            events.push({
              seq: ++seq,
              type: 'run.succeeded',
              at: new Date(seq * 1000).toISOString(),
              data: { output: runOutput },
            } as unknown as RunEvent);
          }
          const run: RunRecord = {
            id,
            tenant: 't',
            workflowId: 'wf',
            version: 1,
            status: 'running',
            input: null,
            createdAt: new Date(0).toISOString(),
            priority: 0,
            seq,
            state: { seq },
            ...(runOutput === undefined ? {} : { output: runOutput }),
          };
          const write: RunWrite = {
            run,
            nodes,
            events,
            addTimers: [],
            removeTimers: [],
            removeNodes: step.remove,
            ...(step.withPrevious && previous !== undefined ? { previous } : {}),
          };
          await store.commit([write]);
          for (const path of step.remove) rows.delete(path);
          for (const n of nodes) rows.set(n.path, n);
          written.push(...events);
          previous = run;

          const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
          expect(await store.readEvents(id, 0)).toStrictEqual(json(written));
          const loaded = await store.loadRun(id);
          expect(loaded?.run).toStrictEqual(json(run));
          expect(loaded?.nodes).toStrictEqual(
            json([...rows.values()].sort((x, y) => (x.path < y.path ? -1 : 1))),
          );
        }
      }),
      { numRuns: 40 },
    );
  });
});
