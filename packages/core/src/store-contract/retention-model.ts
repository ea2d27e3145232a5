/**
 * @module store-contract/retention-model
 * A property: a prune deletes exactly the runs a plain model of the query selects — finished,
 * matching every filter, past either bound — whatever the runs and the batch size; unfinished
 * runs always stay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTerminal, RUN_STATUSES, TERMINAL_RUN_STATUSES } from '../ports/store.js';
import type { PruneQuery, RunRecord, Store } from '../ports/store.js';

const at = (s: number) => new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString();

const runArb = fc.record({
  status: fc.constantFrom(...RUN_STATUSES),
  tenant: fc.constantFrom('t1', 't2'),
  workflowId: fc.constantFrom('a', 'b'),
  created: fc.integer({ min: 0, max: 20 }),
  lasted: fc.integer({ min: 0, max: 20 }),
});

const queryArb = fc
  .record(
    {
      tenant: fc.constantFrom('t1', 't2'),
      workflowId: fc.constantFrom('a', 'b'),
      statuses: fc.subarray([...TERMINAL_RUN_STATUSES], { minLength: 1 }),
      finishedBefore: fc.integer({ min: 0, max: 45 }).map(at),
      keepLatest: fc.integer({ min: 0, max: 6 }),
      batch: fc.integer({ min: 1, max: 5 }),
    },
    { requiredKeys: [] },
  )
  .filter((q) => q.finishedBefore !== undefined || q.keepLatest !== undefined);

/** The runs the query selects, computed plainly from its documented meaning. */
function model(runs: RunRecord[], q: PruneQuery): Set<string> {
  const matching = runs.filter(
    (r) =>
      isTerminal(r.status) &&
      (q.statuses === undefined || (q.statuses as string[]).includes(r.status)) &&
      (q.tenant === undefined || r.tenant === q.tenant) &&
      (q.workflowId === undefined || r.workflowId === q.workflowId),
  );
  const newestFirst = [...matching].sort((x, y) =>
    x.createdAt === y.createdAt ? (x.id < y.id ? 1 : -1) : x.createdAt < y.createdAt ? 1 : -1,
  );
  const pastCount = new Set(
    q.keepLatest === undefined ? [] : newestFirst.slice(q.keepLatest).map((r) => r.id),
  );
  return new Set(
    matching
      .filter(
        (r) =>
          pastCount.has(r.id) ||
          (q.finishedBefore !== undefined && (r.finishedAt ?? r.createdAt) < q.finishedBefore),
      )
      .map((r) => r.id),
  );
}

/** A run row as the property commits it: created, and finished unless `status` is unfinished. */
const write = (run: RunRecord) => ({ run, nodes: [], events: [], addTimers: [], removeTimers: [] });

/**
 * Declares the property; `use` returns the fresh, migrated store of the current test. Each case
 * gives its runs ids of their own and leaves the store empty: what it did not prune, it finishes
 * and prunes.
 */
export function retentionModelCases(use: () => Store, numRuns: number): void {
  describe('pruneRuns, against a model', () => {
    it('deletes what the model selects and nothing else', async () => {
      const store = use();
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(runArb, { maxLength: 25 }), queryArb, async (specs, query) => {
          const prefix = `c${String(n++).padStart(4, '0')}-`;
          const runs: RunRecord[] = specs.map((s, i) => ({
            id: `${prefix}r${String(i).padStart(2, '0')}`,
            tenant: s.tenant,
            workflowId: s.workflowId,
            version: 1,
            status: s.status,
            input: {},
            createdAt: at(s.created),
            ...(isTerminal(s.status) ? { finishedAt: at(s.created + s.lasted) } : {}),
            priority: 0,
            seq: 0,
            state: {},
          }));
          if (runs.length > 0) await store.commit(runs.map(write));
          try {
            const selected = model(runs, query);
            expect(await store.pruneRuns(query)).toBe(selected.size);
            const left = (await store.listRuns({ limit: 1000 })).runs.map((r) => r.id).sort();
            expect(left).toEqual(runs.map((r) => r.id).filter((id) => !selected.has(id)));
          } finally {
            // Even after a failure, so that shrinking replays cases on an empty store.
            const left = (await store.listRuns({ limit: 1000 })).runs;
            if (left.length > 0) {
              await store.commit(
                left.map((r) =>
                  write({ ...r, status: 'cancelled', finishedAt: at(0), seq: r.seq + 1 }),
                ),
              );
              await store.pruneRuns({ keepLatest: 0 });
            }
          }
        }),
        { numRuns },
      );
    }, 120_000);
  });
}
