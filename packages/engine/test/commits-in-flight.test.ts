/**
 * A store that takes several commits at once (`Store.commitsInFlight`, PostgreSQL's 2): the runner
 * keeps that many in progress, never two of one run, and what it answers from memory is what the
 * store holds. The store here is a real SQLite one whose commits take a random while, so that
 * they overlap and end out of order.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@weft/store-sqlite';
import type { RunWrite, Store } from '@weft/core';
import type { Engine } from '../src/index.js';
import { openEngine, yaml } from './helpers.js';

let engine: Engine | undefined;
let stores: Store[] = [];
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  for (const s of stores) await s.close();
  stores = [];
});

interface Overlaps {
  /** Most commits seen in progress at once. */
  most: number;
  /** Runs written by two commits in progress at once. */
  clashes: string[];
  /** Runs whose writes reached the store out of seq order. */
  backwards: string[];
}

/** SQLite, taking `inFlight` commits at once, each after the next delay of `delays` (ms). */
async function slowStore(inFlight: number, delays: readonly number[]) {
  const store = await openSqliteStore({ path: ':memory:' });
  stores.push(store);
  const seen: Overlaps = { most: 0, clashes: [], backwards: [] };
  const writing = new Set<string>();
  const lastSeq = new Map<string, number>();
  let now = 0;
  let next = 0;
  const commit = async (writes: readonly RunWrite[]) => {
    const ids = writes.map((w) => w.run.id);
    for (const id of ids) if (writing.has(id)) seen.clashes.push(id);
    for (const id of ids) writing.add(id);
    now++;
    seen.most = Math.max(seen.most, now);
    try {
      const ms = delays.length === 0 ? 0 : delays[next++ % delays.length]!;
      await new Promise((r) => setTimeout(r, ms));
      for (const w of writes) {
        if (w.run.seq < (lastSeq.get(w.run.id) ?? 0)) seen.backwards.push(w.run.id);
        lastSeq.set(w.run.id, w.run.seq);
      }
      await store.commit(writes);
    } finally {
      now--;
      for (const id of ids) writing.delete(id);
    }
  };
  const slow = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'commitsInFlight') return inFlight;
      if (key === 'commit') return commit;
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: slow as Store, seen };
}

// Three branches of random length each: a run decides while its last commit is in progress.
const fan = yaml`
id: fan
nodes:
  - { id: a, type: probe, with: { value: 1, delay_ms: "{{ inputs.d[0] }}" } }
  - { id: b, type: probe, with: { value: 2, delay_ms: "{{ inputs.d[1] }}" } }
  - { id: c, type: probe, with: { value: 3, delay_ms: "{{ inputs.d[2] }}" } }
  - { id: sum, type: transform, needs: [a, b, c], with: { expression: "a + b + c + inputs.n" } }
`;

describe('commits in flight', () => {
  it('keeps as many commits in progress as the store takes, never two of one run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)), { minLength: 4, maxLength: 16 }),
        async (commitDelays, branchDelays) => {
          const { store, seen } = await slowStore(2, commitDelays);
          ({ engine } = await openEngine({ store }));
          const { id } = await engine.publish(fan);
          const runs = await Promise.all(
            branchDelays.map((d, n) => engine!.run(id, { input: { d, n } })),
          );
          runs.forEach((run, n) => {
            expect(run.status).toBe('succeeded');
            expect(run.output).toBe(6 + n);
          });
          expect(seen.clashes).toEqual([]);
          expect(seen.backwards).toEqual([]);
          expect(seen.most).toBeLessThanOrEqual(2);
          // What run() answered from memory is what a read of the store gives.
          for (const run of runs) expect(await engine.get(run.id)).toEqual(run);
          for (const run of runs) {
            const seqs: number[] = [];
            for await (const e of engine.events(run.id, { follow: false })) seqs.push(e.seq);
            expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          }
          await engine.close();
          engine = undefined;
        },
      ),
      { numRuns: 12 },
    );
  });

  it('keeps that while runs are paused, resumed and cancelled at random moments', async () => {
    const op = fc.record({
      run: fc.nat(5),
      kind: fc.constantFrom('pause', 'resume', 'cancel'),
      afterMs: fc.nat(12),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 8 }),
        fc.array(op, { maxLength: 12 }),
        async (commitDelays, ops) => {
          const { store, seen } = await slowStore(2, commitDelays);
          ({ engine } = await openEngine({ store }));
          const e = engine;
          const { id } = await e.publish(fan);
          const started = await Promise.all(
            Array.from({ length: 6 }, (_, n) => e.start(id, { input: { d: [n % 3, 2, 4], n } })),
          );
          const cancelled = new Set<string>();
          await Promise.all(
            ops.map(async (o) => {
              await new Promise((r) => setTimeout(r, o.afterMs));
              const runId = started[o.run]!.id;
              // Refused when the run is not in a state for it (finished, not paused, ...).
              await e[o.kind](runId).then(
                () => o.kind === 'cancel' && cancelled.add(runId),
                () => undefined,
              );
            }),
          );
          // What was left paused goes on; every run then ends.
          for (const s of started) await e.resume(s.id).catch(() => undefined);
          const runs = await Promise.all(started.map((s) => e.wait(s.id, { until: 'finished' })));
          runs.forEach((run, n) => {
            if (cancelled.has(run.id)) expect(run.status).toBe('cancelled');
            else expect(run).toMatchObject({ status: 'succeeded', output: 6 + n });
          });
          expect(seen.clashes).toEqual([]);
          expect(seen.backwards).toEqual([]);
          for (const run of runs) expect(await e.get(run.id)).toEqual(run);
          await e.close();
          engine = undefined;
        },
      ),
      { numRuns: 15 },
    );
  });

  it('has two commits in progress at once when the store takes two, and one when it takes one', async () => {
    for (const inFlight of [1, 2]) {
      // Each commit takes 30 ms; half the runs decide 2 ms after theirs, half 15 ms after: the
      // second half's commit starts while the first half's is in progress, if the store takes it.
      const { store, seen } = await slowStore(inFlight, [30]);
      ({ engine } = await openEngine({ store }));
      const { id } = await engine.publish(fan);
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, n) => {
          const ms = n % 2 === 0 ? 2 : 15;
          return engine!.run(id, { input: { d: [ms, ms, ms], n } });
        }),
      );
      expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'succeeded'));
      expect(seen.most).toBe(inFlight);
      expect(seen.clashes).toEqual([]);
      await engine.close();
      engine = undefined;
    }
  });
});
