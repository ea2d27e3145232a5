/**
 * Poisoned runs (issue 17, section 3): a node that kills the process each time it runs. Before,
 * every restart recovered the run, ran the node again and died again, so the engine never came
 * up. Now a node whose executions died with the process `maxNodeCrashes` times (3) fails with
 * `process_crashed` at the next start, which says so in the log, and the engine carries on.
 *
 * The child is worker.mjs on the built packages, with WEFT_CRASH_POISON=1 (a `poison` node type
 * that sends itself SIGKILL). It submits the plan's runs one at a time and is started again each
 * time it dies, until it prints `all-done`. Healthy runs between the poisoned ones must finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './build.js';
import { Engine, type RunEvent } from '../../src/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

interface Line {
  ev: string;
  [k: string]: unknown;
}

const alive = new Set<ChildProcess>();

/** Runs the worker until it exits; its lines, and whether it was killed. */
function life(
  env: Record<string, string>,
): Promise<{ lines: Line[]; killed: boolean; stderr: string }> {
  const child = spawn(process.execPath, [join(here, 'worker.mjs')], {
    cwd: root,
    env: { ...process.env, ...env, WEFT_CRASH_POISON: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  const lines: Line[] = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(JSON.parse(text) as Line);
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      alive.delete(child);
      // The last lines may still be in the pipe.
      setImmediate(() => resolve({ lines, killed: signal === 'SIGKILL', stderr }));
    }),
  );
}

const noop = (id: string) => ({ id, type: 'noop' });

const workflows = [
  { id: 'healthy', nodes: [noop('a'), { ...noop('b'), needs: ['a'] }] },
  {
    id: 'poisoned',
    nodes: [
      noop('before'),
      { id: 'boom', type: 'poison', needs: ['before'] },
      { ...noop('after'), needs: ['boom'] },
    ],
  },
  {
    // In a foreach body, retries allowed and the failure handled: process_crashed is not retried,
    // and the run goes on.
    id: 'poisoned-body',
    nodes: [
      {
        id: 'each',
        type: 'foreach',
        with: { items: '{{ [1] }}' },
        nodes: [
          noop('first'),
          {
            id: 'boom',
            type: 'poison',
            needs: ['first'],
            on_error: 'continue',
            retry: { max_attempts: 5, backoff: 'fixed', initial_ms: 1 },
          },
        ],
      },
      { ...noop('after'), needs: ['each'] },
    ],
  },
];

const runs = [
  { workflow: 'healthy', key: 'h1' },
  { workflow: 'poisoned', key: 'p1' },
  { workflow: 'healthy', key: 'h2' },
  { workflow: 'poisoned-body', key: 'p2' },
  { workflow: 'healthy', key: 'h3' },
].map((r) => ({ ...r, input: {} }));

describe('a node that kills the process', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'weft-poison-'));
  }, 120_000);
  afterAll(() => {
    for (const child of alive) child.kill('SIGKILL');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('adversarial: fails with process_crashed after 3 crashes, says so at start, and the engine carries on', async () => {
    const db = join(dir, 'poison.db');
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ workflows, runs, lanes: 1 }));
    const env = { WEFT_CRASH_DB: db, WEFT_CRASH_PLAN: plan };

    const lives: { lines: Line[]; killed: boolean }[] = [];
    for (let i = 0; i < 20; i++) {
      const l = await life(env);
      lives.push(l);
      expect(l.killed || l.lines.some((x) => x.ev === 'all-done'), l.stderr).toBe(true);
      if (!l.killed) break;
      // Nothing committed is damaged by a kill.
      const conn = new Database(db, { readonly: true });
      try {
        expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        conn.close();
      }
    }
    const last = lives.at(-1)!;
    expect(last.lines.some((l) => l.ev === 'all-done')).toBe(true);
    // Two poisoned runs, three deaths each, then one start that fails the node.
    expect(lives.filter((l) => l.killed)).toHaveLength(6);

    // Each start after a third death names the run and the node in the log.
    const logged = lives.flatMap((l) => l.lines).filter((l) => l.ev === 'log');
    expect(logged.map((l) => l['node'])).toEqual(['boom', 'each[0].boom']);
    for (const l of logged) {
      expect(l['code']).toBe('process_crashed');
      expect(String(l['msg'])).toMatch(/^node \S+ of run \S+ failed with process_crashed: /);
    }

    const done = new Map<string, Line>();
    for (const l of lives.flatMap((x) => x.lines)) {
      if (l.ev === 'done') done.set(runs[Number(l['i'])]!.key, l);
    }
    expect(Object.fromEntries([...done].map(([k, l]) => [k, l['status']]))).toEqual({
      h1: 'succeeded',
      p1: 'failed',
      h2: 'succeeded',
      p2: 'succeeded',
      h3: 'succeeded',
    });

    const engine = await Engine.open({ db, autoStart: false, lock: false });
    try {
      const view = async (key: string) => (await engine.get(String(done.get(key)!['id'])))!;
      const events = async (key: string) => {
        const out: RunEvent[] = [];
        for await (const e of engine.events(String(done.get(key)!['id']), { follow: false }))
          out.push(e);
        return out;
      };

      const p1 = await view('p1');
      expect(p1.error).toMatchObject({ code: 'process_crashed' });
      expect(p1.error?.message).toContain('boom was executing when the process stopped, 3 times');
      expect(p1.nodes['boom']).toMatchObject({ status: 'failed', attempts: 3 });
      expect(p1.nodes['before']?.status).toBe('succeeded');
      const e1 = await events('p1');
      expect(e1.some((e) => e.node === 'after')).toBe(false);
      expect(e1.map((e) => e.seq)).toEqual(e1.map((_, i) => i + 1));
      expect(e1.filter((e) => e.type === 'node.succeeded' && e.node === 'before')).toHaveLength(1);
      expect(e1.filter((e) => e.type === 'node.started' && e.node === 'boom')).toHaveLength(3);

      // Handled by on_error: the run succeeds; the retry policy did not run it a fourth time.
      const p2 = await view('p2');
      expect(p2.nodes['each[0].boom']).toMatchObject({ status: 'failed', attempts: 3 });
      expect(p2.nodes['each[0].boom']?.error).toMatchObject({ code: 'process_crashed' });
      expect(p2.nodes['each[0].first']).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(p2.nodes['after']?.status).toBe('succeeded');
      expect((await events('p2')).some((e) => e.type === 'node.retrying')).toBe(false);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
