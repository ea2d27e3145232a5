/**
 * The runner with the SQLite store's writer thread: while one batch is with the writer, the next
 * batch is decided (the event loop is free), and no command of a batch is carried out before the
 * commit of that batch has been acknowledged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@weft/store-sqlite';
import { Engine } from '../src/index.js';
import { probeNode, type ProbeCall } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHAIN = {
  id: 'chain',
  nodes: [
    { id: 'a', type: 'probe' },
    { id: 'b', type: 'probe', needs: ['a'] },
  ],
};

describe('runner with the writer thread', () => {
  it('decides the next batch while a commit is held, and starts nothing before its commit', async () => {
    const store = await openSqliteStore({ path: join(dir, 'held.db'), writer: 'thread' });
    expect(store.writer).toBe('thread');
    const calls: ProbeCall[] = [];
    /** While set, a commit is written and then held unacknowledged until `release` is called. */
    let hold = false;
    let release: (() => void) | undefined;
    const commit = store.commit.bind(store);
    store.commit = async (writes) => {
      await commit(writes);
      if (hold) await new Promise<void>((r) => (release = r));
    };
    const engine = await Engine.open({ store, nodes: [probeNode(calls)] });
    try {
      await engine.publish(CHAIN);
      const first = await engine.start('chain');
      // The start is committed; `a` runs, and its result's commit (which makes `b` ready) is held.
      hold = true;
      for (let i = 0; i < 200 && release === undefined; i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(release).toBeDefined();
      const held = release!;
      hold = false;
      const decisions = engine.stats.decisions;
      // Another run's start is decided while that commit is held, and waits for its own commit.
      const second = engine.start('chain');
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(engine.stats.decisions).toBeGreaterThan(decisions);
      // `b` was made ready by the held commit: it has not run, nor has the second run's `a`.
      expect(calls.map((c) => c.path)).toEqual(['a']);
      held();
      const view = await engine.wait(first.id, { until: 'finished' });
      expect(view.status).toBe('succeeded');
      const other = await engine.wait((await second).id, { until: 'finished' });
      expect(other.status).toBe('succeeded');
      expect(calls.map((c) => c.path).sort()).toEqual(['a', 'a', 'b', 'b']);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('commits through the thread what an inline store reads back the same', async () => {
    const path = join(dir, 'both.db');
    const calls: ProbeCall[] = [];
    const threaded = await Engine.open({
      db: path,
      sqliteWriter: 'thread',
      nodes: [probeNode(calls)],
    });
    let id: string;
    try {
      await threaded.publish(CHAIN);
      id = (await threaded.run('chain')).id;
    } finally {
      await threaded.close();
    }
    const inline = await Engine.open({ db: path, nodes: [probeNode(calls)], autoStart: false });
    try {
      const events = await inline.store.readEvents(id, 0);
      expect(events.map((e) => `${e.type}${e.node === undefined ? '' : `:${e.node}`}`)).toEqual([
        'run.started',
        'node.started:a',
        'node.succeeded:a',
        'node.started:b',
        'node.succeeded:b',
        'run.succeeded',
      ]);
    } finally {
      await inline.close();
    }
  });
});
