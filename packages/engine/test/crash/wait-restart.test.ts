/**
 * Issue 3, "What must hold": a `wait` of 2 s, the process killed (SIGKILL) at 0.5 s and restarted
 * at 3 s: the run ends right after the restart, not 2 s later.
 *
 * The child is worker.mjs on the built packages. Each child is loaded ahead (it waits for a line on
 * stdin before it opens the store), so "restart" is the moment the new process opens the store, not
 * the time Node takes to load the packages.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Engine, type RunEvent } from '../../src/index.js';
import { crashScratch, loadedChild, sleep } from './loaded-child.js';

describe('a wait across a crash', () => {
  const scratch = crashScratch('weft-wait-restart-', 120_000);

  it('a wait of 2 s, killed at 0.5 s and restarted at 3 s, ends right after the restart', async () => {
    const db = join(scratch(), 'wait.db');
    const plan = join(scratch(), 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        workflows: [
          {
            id: 'wait-restart',
            nodes: [
              { id: 'before', type: 'set', with: { values: { at: '{{ $now() }}' } } },
              { id: 'pause', type: 'wait', needs: ['before'], with: { duration: 'PT2S' } },
              {
                id: 'after',
                type: 'set',
                needs: ['pause'],
                with: { values: { at: '{{ $now() }}' } },
              },
            ],
          },
        ],
        runs: [{ workflow: 'wait-restart', key: 'wait-restart-1', input: {} }],
        lanes: 1,
      }),
    );
    const env = { WEFT_CRASH_DB: db, WEFT_CRASH_PLAN: plan };

    const first = await loadedChild(env);
    const second = await loadedChild(env);
    first.go();
    const started = await first.next('started');
    expect(started, first.stderr.join('')).toBeDefined();
    const t0 = started!.t;
    await sleep(t0 + 500 - Date.now());
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    expect(first.lines.some((l) => l.ev === 'done')).toBe(false);

    // While the process is down: the run is parked on its timer, due at 2 s.
    const conn = new Database(db, { readonly: true });
    let dueAt: number;
    try {
      expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(conn.prepare('SELECT status FROM runs').pluck().all()).toEqual(['waiting']);
      dueAt = conn.prepare(`SELECT due_at FROM timers WHERE kind = 'wait'`).pluck().get() as number;
    } finally {
      conn.close();
    }
    expect(dueAt - t0).toBeGreaterThanOrEqual(1900);
    expect(dueAt - t0).toBeLessThan(2500);

    await sleep(t0 + 3000 - Date.now());
    const restartAt = Date.now();
    second.go();
    const done = await Promise.race([second.next('done'), sleep(10_000).then(() => undefined)]);
    if (done === undefined) second.child.kill('SIGKILL');
    expect(await second.exited, second.stderr.join('')).toBe(0);
    expect(done?.['status']).toBe('succeeded');

    const engine = await Engine.open({ db, autoStart: false, lock: false });
    try {
      const id = String(done!['id']);
      const run = await engine.get(id);
      const finishedAt = Date.parse(String(run?.finished_at));
      const events: RunEvent[] = [];
      for await (const e of engine.events(id, { follow: false })) events.push(e);
      const count = (type: string, node: string) =>
        events.filter((e) => e.type === type && e.node === node).length;
      console.log(
        `wait-restart: started at 0 ms, killed at ${killedAt - t0} ms, timer due at ${dueAt - t0} ms, ` +
          `restarted at ${restartAt - t0} ms, run ended at ${finishedAt - t0} ms ` +
          `(${finishedAt - restartAt} ms after the restart)`,
      );
      expect(run?.status).toBe('succeeded');
      // Right after the restart, not a new 2 s later; and never before the timer was due.
      expect(finishedAt).toBeGreaterThanOrEqual(restartAt);
      expect(finishedAt - restartAt).toBeLessThan(1000);
      expect(
        Date.parse(String((run?.nodes['pause']?.output as { waited_until: string }).waited_until)),
      ).toBeGreaterThanOrEqual(dueAt);
      expect(count('node.succeeded', 'before')).toBe(1);
      expect(count('node.succeeded', 'pause')).toBe(1);
      expect(count('node.succeeded', 'after')).toBe(1);
      expect(count('node.waiting', 'pause')).toBe(1);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
