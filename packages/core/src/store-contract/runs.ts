/**
 * @module store-contract/runs
 * Run, node and event rows: exact round-trips, replacement, lookups.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { NodeRecord, RunEvent, RunRecord, Store } from '../index.js';
import {
  at,
  ERROR,
  TRICKY_JSON,
  makeRun,
  makeNode,
  makeWrite,
  events,
  byPath,
  rawEvent,
} from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function runCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  describe('runs', () => {
    it('round-trips a run with every optional field set', async () => {
      const run = makeRun('r1', {
        status: 'failed',
        input: TRICKY_JSON,
        output: { answer: 42 },
        error: ERROR,
        startedAt: at(1),
        finishedAt: at(2),
        parentRunId: 'parent',
        parentPath: 'each[2].inner',
        priority: -5,
        idempotencyKey: 'key-1',
        seq: 7,
        state: { frames: [{ path: 'each', i: 2 }], tricky: TRICKY_JSON },
      });
      await store.commit([makeWrite(run)]);
      expect(await store.getRun('r1')).toStrictEqual(run);
    });

    it('round-trips a minimal run without adding optional fields', async () => {
      const run = makeRun('r1');
      await store.commit([makeWrite(run)]);
      const got = await store.getRun('r1');
      expect(got).toStrictEqual(run);
      expect(Object.keys(got ?? {}).sort()).toEqual(Object.keys(run).sort());
    });

    it('keeps JSON null distinct from an absent field', async () => {
      const run = makeRun('r1', { input: null, output: null, state: null });
      await store.commit([makeWrite(run)]);
      const got = await store.getRun('r1');
      expect(got).toStrictEqual(run);
      expect(got && 'output' in got).toBe(true);
      expect(got && 'error' in got).toBe(false);
    });

    it('replaces the whole run row on a later commit', async () => {
      const full = makeRun('r1', {
        output: 1,
        error: ERROR,
        startedAt: at(1),
        idempotencyKey: 'k',
      });
      await store.commit([makeWrite(full)]);
      const next = makeRun('r1', { status: 'succeeded', seq: 3, state: { done: true } });
      await store.commit([makeWrite(next)]);
      expect(await store.getRun('r1')).toStrictEqual(next);
      expect(await store.findRunByIdempotencyKey('t1', 'wf', 'k')).toBeUndefined();
    });

    it('replaces every field, including those that normally never change after creation', async () => {
      let current = makeRun('r1', { parentRunId: 'p', parentPath: 'x', idempotencyKey: 'k' });
      await store.commit([makeWrite(current)]);
      const changes: Partial<RunRecord>[] = [
        { tenant: 't2' },
        { workflowId: 'wf2' },
        { version: 2 },
        { createdAt: at(9) },
        { parentRunId: 'q' },
        { parentPath: 'y' },
        { idempotencyKey: 'k2' },
        { input: { n: 2 } },
        { input: 'same size' },
        { input: 'other size!' },
        { priority: 3, seq: 4, status: 'paused', state: [1] },
      ];
      for (const change of changes) {
        current = { ...current, ...change };
        await store.commit([makeWrite(current)]);
        expect(await store.getRun('r1')).toStrictEqual(current);
      }
    });

    it('written from previous, reads back as the record however few fields changed', async () => {
      const first = makeRun('r1', { output: { keep: true }, startedAt: at(1) });
      await store.commit([makeWrite(first)]);
      const steps: RunRecord[] = [
        { ...first, seq: 2 },
        { ...first, seq: 3, status: 'paused', state: { ready: ['a'] } },
        { ...first, seq: 3, status: 'paused', state: { ready: ['a'] }, priority: 2 },
        makeRun('r1', { status: 'failed', seq: 4, error: ERROR, finishedAt: at(4) }),
        makeRun('r1', { seq: 5, output: null, startedAt: at(5), state: null }),
      ];
      let previous = first;
      for (const next of steps) {
        await store.commit([makeWrite(next, { previous })]);
        expect(await store.getRun('r1')).toStrictEqual(next);
        previous = next;
      }
    });

    it('writes the whole row when the stored row is not previous', async () => {
      const stale = makeRun('r1', { seq: 1 });
      await store.commit([makeWrite(stale)]);
      await store.commit([makeWrite(makeRun('r1', { status: 'paused', seq: 5, priority: 9 }))]);
      // Status and priority equal the stale previous's, not the stored row's.
      const next = makeRun('r1', { seq: 6 });
      await store.commit([makeWrite(next, { previous: stale })]);
      expect(await store.getRun('r1')).toStrictEqual(next);
    });

    it('writes a field fixed at creation that differs from previous', async () => {
      const keyed = makeRun('r1', { idempotencyKey: 'k', parentRunId: 'p' });
      await store.commit([makeWrite(keyed)]);
      const next = makeRun('r1', { seq: 1, workflowId: 'wf2' });
      await store.commit([makeWrite(next, { previous: keyed })]);
      expect(await store.getRun('r1')).toStrictEqual(next);
      expect(await store.findRunByIdempotencyKey('t1', 'wf', 'k')).toBeUndefined();
    });

    it('does not find unknown runs', async () => {
      expect(await store.getRun('nope')).toBeUndefined();
      expect(await store.loadRun('nope')).toBeUndefined();
    });

    it('writes several runs in one commit', async () => {
      await store.commit([
        makeWrite(makeRun('r1')),
        makeWrite(makeRun('r2', { status: 'queued' })),
      ]);
      expect((await store.getRun('r1'))?.status).toBe('running');
      expect((await store.getRun('r2'))?.status).toBe('queued');
    });

    it('accepts a commit with no writes', async () => {
      await expect(store.commit([])).resolves.toBeUndefined();
    });

    it('finds a run by idempotency key within its tenant and workflow only', async () => {
      const run = makeRun('r1', { idempotencyKey: 'order-7' });
      await store.commit([makeWrite(run), makeWrite(makeRun('r2'))]);
      expect(await store.findRunByIdempotencyKey('t1', 'wf', 'order-7')).toStrictEqual(run);
      expect(await store.findRunByIdempotencyKey('t2', 'wf', 'order-7')).toBeUndefined();
      expect(await store.findRunByIdempotencyKey('t1', 'other', 'order-7')).toBeUndefined();
      expect(await store.findRunByIdempotencyKey('t1', 'wf', 'order-8')).toBeUndefined();
    });

    it('keeps an idempotency key of any text, U+0000 included, and finds the run by it', async () => {
      const key = 'order\u0000#7 — 日本語 🧵';
      const run = makeRun('r1', { idempotencyKey: key });
      await store.commit([makeWrite(run)]);
      expect(await store.getRun('r1')).toStrictEqual(run);
      expect(await store.findRunByIdempotencyKey('t1', 'wf', key)).toStrictEqual(run);
      expect(await store.findRunByIdempotencyKey('t1', 'wf', 'order')).toBeUndefined();
      await expect(
        store.commit([makeWrite(makeRun('r2', { idempotencyKey: key }))]),
      ).rejects.toMatchObject({ code: 'store_conflict' });
    });

    it('rejects a second run with the same tenant, workflow and idempotency key', async () => {
      await store.commit([makeWrite(makeRun('r1', { idempotencyKey: 'k' }))]);
      await expect(
        store.commit([makeWrite(makeRun('r2', { idempotencyKey: 'k' }))]),
      ).rejects.toMatchObject({
        code: 'store_conflict',
      });
      await store.commit([
        makeWrite(makeRun('r3', { idempotencyKey: 'k', tenant: 't2' })),
        makeWrite(makeRun('r4', { idempotencyKey: 'k', workflowId: 'wf2' })),
      ]);
      expect(await store.getRun('r2')).toBeUndefined();
      expect((await store.getRun('r4'))?.idempotencyKey).toBe('k');
    });
  });

  describe('nodes', () => {
    it('round-trips node rows full and minimal, and loadRun returns only the run’s own', async () => {
      const full = makeNode('r1', 'each[2].inner', {
        nodeId: 'inner',
        status: 'failed',
        attempts: 3,
        output: TRICKY_JSON,
        error: ERROR,
        startedAt: at(1),
        finishedAt: at(2),
        state: { key: 'r1:each[2].inner' },
      });
      const minimal = makeNode('r1', 'a');
      const nullOutput = makeNode('r1', 'b', { status: 'succeeded', output: null, state: null });
      await store.commit([
        makeWrite(makeRun('r1'), { nodes: [full, minimal, nullOutput] }),
        makeWrite(makeRun('r2'), { nodes: [makeNode('r2', 'a')] }),
      ]);
      const loaded = await store.loadRun('r1');
      expect(loaded?.run).toStrictEqual(makeRun('r1'));
      expect([...(loaded?.nodes ?? [])].sort(byPath)).toStrictEqual([minimal, nullOutput, full]);
    });

    it('replaces a node row by run and path', async () => {
      await store.commit([
        makeWrite(makeRun('r1'), { nodes: [makeNode('r1', 'a', { output: 1, error: ERROR })] }),
      ]);
      const done = makeNode('r1', 'a', { status: 'succeeded', attempts: 2, finishedAt: at(5) });
      await store.commit([makeWrite(makeRun('r1'), { nodes: [done] })]);
      expect((await store.loadRun('r1'))?.nodes).toStrictEqual([done]);
    });

    it('deletes the rows named in removeNodes before writing nodes, in that run only', async () => {
      await store.commit([
        makeWrite(makeRun('r1'), {
          nodes: [makeNode('r1', 'a'), makeNode('r1', 'b'), makeNode('r1', 'c')],
        }),
        makeWrite(makeRun('r2'), { nodes: [makeNode('r2', 'a')] }),
      ]);
      const fresh = makeNode('r1', 'b', { status: 'pending', attempts: 0 });
      await store.commit([
        makeWrite(makeRun('r1'), { removeNodes: ['a', 'b', 'never-ran'], nodes: [fresh] }),
      ]);
      expect([...((await store.loadRun('r1'))?.nodes ?? [])].sort(byPath)).toStrictEqual([
        fresh,
        makeNode('r1', 'c'),
      ]);
      expect((await store.loadRun('r2'))?.nodes).toStrictEqual([makeNode('r2', 'a')]);
    });

    it('loads a run without nodes with an empty list', async () => {
      await store.commit([makeWrite(makeRun('r1'))]);
      expect(await store.loadRun('r1')).toStrictEqual({ run: makeRun('r1'), nodes: [] });
    });

    it('loadRuns reads many runs as loadRun reads each, in the order asked, unknown ids left out', async () => {
      // Enough runs that a store reading them in chunks reads several.
      const ids = Array.from({ length: 1500 }, (_, i) => `r${String(i).padStart(4, '0')}`);
      await store.commit(
        ids.map((id, i) =>
          makeWrite(makeRun(id, i % 7 === 0 ? { input: TRICKY_JSON, output: null } : {}), {
            nodes: Array.from({ length: i % 4 }, (_, k) =>
              makeNode(id, `n${k}`, k === 1 ? { output: TRICKY_JSON, error: ERROR } : {}),
            ),
          }),
        ),
      );
      const asked = [
        'nope',
        ids[1499]!,
        ids[3]!,
        'r9999',
        ...ids.slice(4, 1400).reverse(),
        ids[3]!,
      ];
      const got = await store.loadRuns(asked);
      const sorted = (l: { run: RunRecord; nodes: NodeRecord[] }) => ({
        run: l.run,
        nodes: [...l.nodes].sort(byPath),
      });
      const known = asked.filter((id) => ids.includes(id));
      const one = await Promise.all(known.map((id) => store.loadRun(id)));
      expect(got.map((l) => l.run.id)).toEqual(known);
      expect(got.map(sorted)).toStrictEqual(one.map((l) => sorted(l!)));
      expect(await store.loadRuns([])).toEqual([]);
      expect(await store.loadRuns(['nope'])).toEqual([]);
    });
  });

  describe('events', () => {
    it('reads events after a seq, in order, with an optional limit', async () => {
      await store.commit([makeWrite(makeRun('r1', { seq: 3 }), { events: events(1, 3) })]);
      await store.commit([makeWrite(makeRun('r1', { seq: 5 }), { events: events(4, 5) })]);
      await store.commit([makeWrite(makeRun('r2', { seq: 2 }), { events: events(1, 2) })]);
      expect(await store.readEvents('r1', 0)).toStrictEqual(events(1, 5));
      expect(await store.readEvents('r1', 2)).toStrictEqual(events(3, 5));
      expect(await store.readEvents('r1', 2, 2)).toStrictEqual(events(3, 4));
      expect(await store.readEvents('r1', 5)).toEqual([]);
      expect(await store.readEvents('nope', 0)).toEqual([]);
    });

    it('round-trips event fields; absent node and data stay absent, null data stays null', async () => {
      const list: RunEvent[] = [
        rawEvent({ seq: 1, type: 'run.started', at: at(1) }),
        rawEvent({
          seq: 2,
          type: 'node.succeeded',
          at: at(2),
          node: 'each[0].a',
          data: TRICKY_JSON,
        }),
        rawEvent({ seq: 3, type: 'message', at: at(3), data: null }),
      ];
      await store.commit([makeWrite(makeRun('r1', { seq: 3 }), { events: list })]);
      const got = await store.readEvents('r1', 0);
      expect(got).toStrictEqual(list);
      expect(Object.keys(got[0] ?? {}).sort()).toEqual(['at', 'seq', 'type']);
    });
  });
}
