/**
 * @module store-contract/event-outputs
 * A `node.succeeded` or `run.succeeded` event carries the output its row holds when it is written;
 * a store may keep that value once (see `RunWrite`), but the event must read back with the output
 * it was written with after the row has moved on: a retry resets or deletes nodes, clears the
 * run's output, and a later attempt writes another one.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunRecord, Store } from '../index.js';
import { at, makeNode, makeRun, makeWrite, rawEvent, TRICKY_JSON } from './fixtures.js';

/** Declares these cases; `use` returns the fresh, migrated store of the current test. */
export function eventOutputCases(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  const succeeded = (seq: number, node: string, output: unknown, attempts = 1): RunEvent =>
    rawEvent({ seq, type: 'node.succeeded', at: at(seq), node, data: { output, attempts } });

  describe('event outputs', () => {
    it('keeps a node.succeeded output after its node is reset, run again and deleted', async () => {
      const first = { text: 'first', tricky: TRICKY_JSON };
      const second = ['second', { n: 2 }];
      const e1 = succeeded(1, 'a', first);
      let run = makeRun('r1', { seq: 1 });
      await store.commit([
        makeWrite(run, {
          nodes: [makeNode('r1', 'a', { status: 'succeeded', output: first })],
          events: [e1],
        }),
      ]);
      expect(await store.readEvents('r1', 0)).toStrictEqual([e1]);

      // Reset (as a retry does): the row loses its output.
      run = makeRun('r1', { seq: 2 });
      const retried = rawEvent({ seq: 2, type: 'run.retried', at: at(2), data: { attempt: 2 } });
      await store.commit([
        makeWrite(run, { nodes: [makeNode('r1', 'a', { attempts: 2 })], events: [retried] }),
      ]);
      // Run again with another output, then deleted (as a retry deletes frames).
      const e3 = succeeded(3, 'a', second, 2);
      await store.commit([
        makeWrite(makeRun('r1', { seq: 3 }), {
          nodes: [makeNode('r1', 'a', { status: 'succeeded', attempts: 2, output: second })],
          events: [e3],
        }),
      ]);
      expect(await store.readEvents('r1', 0)).toStrictEqual([e1, retried, e3]);
      await store.commit([makeWrite(makeRun('r1', { seq: 3 }), { removeNodes: ['a'] })]);
      expect(await store.readEvents('r1', 0)).toStrictEqual([e1, retried, e3]);
      expect(await store.readEvents('r1', 2)).toStrictEqual([e3]);
    });

    it('keeps each of two outputs of one node written in one commit', async () => {
      const shared = { same: 'object' };
      const events = [succeeded(1, 'a', 1), succeeded(2, 'a', shared), succeeded(3, 'a', shared)];
      await store.commit([
        makeWrite(makeRun('r1', { seq: 3 }), {
          nodes: [makeNode('r1', 'a', { status: 'succeeded', output: shared })],
          events,
        }),
      ]);
      await store.commit([makeWrite(makeRun('r1', { seq: 3 }), { removeNodes: ['a'] })]);
      expect(await store.readEvents('r1', 0)).toStrictEqual(events);
    });

    it('keeps a run.succeeded output after the run row is retried and succeeds again', async () => {
      const out1 = { answer: 1, tricky: TRICKY_JSON };
      const done1 = rawEvent({ seq: 1, type: 'run.succeeded', at: at(1), data: { output: out1 } });
      const finished = (seq: number, output: unknown): RunRecord =>
        makeRun('r1', { status: 'succeeded', seq, output, finishedAt: at(seq) });
      const first = finished(1, out1);
      await store.commit([makeWrite(first, { events: [done1] })]);
      const retried = makeRun('r1', { seq: 2 });
      const again = rawEvent({ seq: 2, type: 'run.retried', at: at(2), data: { attempt: 2 } });
      await store.commit([makeWrite(retried, { events: [again], previous: first })]);
      expect(await store.getRun('r1')).toStrictEqual(retried);
      const done3 = rawEvent({ seq: 3, type: 'run.succeeded', at: at(3), data: { output: null } });
      const last = finished(3, null);
      await store.commit([makeWrite(last, { events: [done3], previous: retried })]);
      expect(await store.getRun('r1')).toStrictEqual(last);
      expect(await store.readEvents('r1', 0)).toStrictEqual([done1, again, done3]);
    });

    it("keeps a run's output that is a node's output after the node moves on", async () => {
      const out = { from: 'e', tricky: TRICKY_JSON };
      const node = makeNode('r1', 'e', { status: 'succeeded', output: out });
      const done = makeRun('r1', {
        status: 'succeeded',
        seq: 2,
        output: out,
        idempotencyKey: 'k',
        finishedAt: at(2),
      });
      const events = [
        succeeded(1, 'e', out),
        rawEvent({ seq: 2, type: 'run.succeeded', at: at(2), data: { output: out } }),
      ];
      await store.commit([makeWrite(done, { nodes: [node], events })]);
      const reads = async () => [
        await store.getRun('r1'),
        (await store.loadRun('r1'))?.run,
        (await store.listRuns({ tenant: 't1' })).runs[0],
        await store.findRunByIdempotencyKey('t1', 'wf', 'k'),
      ];
      expect(await reads()).toStrictEqual([done, done, done, done]);
      // The node is reset, run again with another output and deleted; the run keeps its own,
      // whether written from previous (its row untouched) or whole.
      const reset = makeNode('r1', 'e', { attempts: 2 });
      await store.commit([makeWrite(done, { nodes: [reset], previous: done })]);
      expect(await reads()).toStrictEqual([done, done, done, done]);
      const again = makeNode('r1', 'e', { status: 'succeeded', attempts: 2, output: [2] });
      const e3 = succeeded(3, 'e', [2], 2);
      const now = { ...done, seq: 3 };
      await store.commit([makeWrite(now, { nodes: [again], events: [e3], previous: done })]);
      await store.commit([makeWrite(now, { removeNodes: ['e'], previous: now })]);
      expect(await reads()).toStrictEqual([now, now, now, now]);
      await store.commit([makeWrite(now)]);
      expect(await reads()).toStrictEqual([now, now, now, now]);
      expect(await store.readEvents('r1', 0)).toStrictEqual([...events, e3]);
    });

    it('keeps the output of an event whose node path is written twice in one write', async () => {
      const last = { last: true };
      const e1 = succeeded(1, 'a', last);
      await store.commit([
        makeWrite(makeRun('r1', { seq: 1 }), {
          nodes: [
            makeNode('r1', 'a', { status: 'succeeded', output: 'first' }),
            makeNode('r1', 'a', { status: 'succeeded', output: last }),
          ],
          events: [e1],
        }),
      ]);
      expect((await store.loadRun('r1'))?.nodes[0]?.output).toStrictEqual(last);
      await store.commit([makeWrite(makeRun('r1', { seq: 1 }), { removeNodes: ['a'] })]);
      expect(await store.readEvents('r1', 0)).toStrictEqual([e1]);
    });

    it('reads back an output equal to, but not the same value as, its row', async () => {
      const e1 = succeeded(1, 'a', { n: 1 });
      await store.commit([
        makeWrite(makeRun('r1', { seq: 1 }), {
          nodes: [makeNode('r1', 'a', { status: 'succeeded', output: { n: 1 } })],
          events: [e1],
        }),
      ]);
      await store.commit([makeWrite(makeRun('r1', { seq: 1 }), { removeNodes: ['a'] })]);
      expect(await store.readEvents('r1', 0)).toStrictEqual([e1]);
    });
  });
}
