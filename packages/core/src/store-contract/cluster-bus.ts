/**
 * @module store-contract/cluster-bus
 * The bus: what the store announces of its commits, what reaches whom, and in which order.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { BusMessage, RunWrite } from '../index.js';
import { events, makeRun } from './fixtures.js';
import {
  INFO,
  LONG_MS,
  Recorder,
  heldWrite,
  runEntries,
  sleep,
  type ClusterStore,
  type ClusterUse,
} from './cluster-fixtures.js';

/** Long enough for a message that was going to arrive to have arrived. */
const SETTLE_MS = 300;

const forward = (id: string, input: unknown): BusMessage => ({
  kind: 'forward',
  to: 'w2',
  from: 'w1',
  id,
  runId: 'r1',
  input,
});

export function busCases(use: ClusterUse): void {
  let store: ClusterStore;
  beforeEach(() => {
    store = use.store();
  });

  describe('bus', () => {
    it('announces a worker’s commit to another store: seq and held per run, wake when let go', async () => {
      const other = await use.another();
      const heard = await Recorder.on(other.cluster.bus);
      await store.commit([heldWrite(makeRun('r1', { seq: 2 }), 'w1', 1, { events: events(1, 2) })]);
      await heard.until((m) => m.length >= 1);
      expect(heard.messages).toEqual([{ kind: 'runs', runs: [['r1', 2, true]] }]);

      const queued = makeRun('r1', { seq: 3, status: 'queued' });
      await store.commit([heldWrite(queued, 'w1', 1, { events: events(3, 3), release: true })]);
      await heard.until((m) => m.some((x) => x.kind === 'wake'));
      expect(heard.messages.slice(1)).toEqual([
        { kind: 'runs', runs: [['r1', 3, false]] },
        { kind: 'wake' },
      ]);
    });

    it('splits a commit of many runs into messages the bus can carry', async () => {
      const heard = await Recorder.on(store.cluster.bus);
      const writes: RunWrite[] = Array.from({ length: 400 }, (_, i) =>
        heldWrite(makeRun(`run-with-a-longer-id-${String(i).padStart(4, '0')}`), 'w1', 1),
      );
      await store.commit(writes);
      await heard.until(() => runEntries(heard).length >= writes.length);
      const runs = heard.of('runs');
      expect(runs.length).toBeGreaterThan(1);
      for (const m of runs) {
        expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(
          store.cluster.bus.maxMessageBytes,
        );
      }
      const entries = runEntries(heard);
      expect(entries).toHaveLength(writes.length);
      expect(new Set(entries.map(([id]) => id))).toEqual(new Set(writes.map((w) => w.run.id)));
      expect(entries.every(([, seq, held]) => seq === 0 && held)).toBe(true);
    });

    it('delivers to every subscriber, the publisher’s own included, in publishing order', async () => {
      const other = await use.another();
      const here = await Recorder.on(store.cluster.bus);
      const there = await Recorder.on(other.cluster.bus);
      const sent = Array.from({ length: 20 }, (_, i) => forward(`m${i}`, { i }));
      await Promise.all(sent.map((m) => store.cluster.bus.publish(m)));
      await here.until((m) => m.length >= sent.length);
      await there.until((m) => m.length >= sent.length);
      expect(here.messages).toEqual(sent);
      expect(there.messages).toEqual(sent);
    });

    it('stops delivering to a subscription that ended, and to it only', async () => {
      const stays = await Recorder.on(store.cluster.bus);
      const ends = await Recorder.on(store.cluster.bus);
      await ends.stop();
      await store.cluster.bus.publish({ kind: 'wake' });
      await stays.until((m) => m.length >= 1);
      await sleep(SETTLE_MS);
      expect(ends.messages).toEqual([]);
      const again = await Recorder.on(store.cluster.bus);
      await store.cluster.bus.publish({ kind: 'reply', to: 'w1', id: 'x' });
      await again.until((m) => m.length >= 1);
      expect(again.messages).toEqual([{ kind: 'reply', to: 'w1', id: 'x' }]);
    });

    it('carries messages up to maxMessageBytes and refuses larger ones', async () => {
      const bus = store.cluster.bus;
      const heard = await Recorder.on(bus);
      const empty = Buffer.byteLength(JSON.stringify(forward('big', '')));
      const largest = forward('big', 'x'.repeat(bus.maxMessageBytes - empty));
      expect(Buffer.byteLength(JSON.stringify(largest))).toBe(bus.maxMessageBytes);
      await bus.publish(largest);
      await bus.publish({ kind: 'wake' });
      await heard.until((m) => m.length >= 2);
      expect(heard.messages).toEqual([largest, { kind: 'wake' }]);
      const over = forward('big', 'é'.repeat((bus.maxMessageBytes - empty) / 2 + 1));
      await expect(bus.publish(over)).rejects.toMatchObject({ code: 'payload_too_large' });
    });

    it('is not heard on another database', async () => {
      const other = await use.another();
      const elsewhere = await use.elsewhere();
      const near = await Recorder.on(other.cluster.bus);
      const far = await Recorder.on(elsewhere.cluster.bus);
      await store.cluster.bus.publish({ kind: 'wake' });
      await store.commit([
        heldWrite(makeRun('r1', { status: 'queued' }), 'w1', 1, { release: true }),
      ]);
      await near.until((m) => m.length >= 3);
      await sleep(SETTLE_MS);
      expect(far.messages).toEqual([]);
    });

    it('wakes idle workers when a worker leaves runs behind', async () => {
      await store.cluster.claims.join('w1', LONG_MS, INFO);
      await store.commit([heldWrite(makeRun('r1'), 'w1', 1)]);
      const heard = await Recorder.on(store.cluster.bus);
      await store.cluster.claims.leave('w1');
      await heard.until((m) => m.length >= 1);
      expect(heard.messages).toEqual([{ kind: 'wake' }]);
    });
  });
}
