/**
 * Issue 12, crash safety: the engine SIGKILLed while a `code` node runs in the sandbox. Its sandbox
 * processes go with it (they end when their IPC channel closes), and after the restart the node
 * runs again and the run completes with the right output.
 *
 * The child is worker.mjs on the built packages, loaded ahead (loaded-child.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, type RunEvent } from '../../src/index.js';
import { crashScratch, loadedChild, sleep } from './loaded-child.js';

/** The processes `pid` started (Linux). */
function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

const running = (pid: number) => existsSync(`/proc/${pid}`) && !isZombie(pid);
function isZombie(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

describe.runIf(process.platform === 'linux')('a code node across a crash', () => {
  const scratch = crashScratch('weft-code-restart-');

  it('runs the node again after a SIGKILL during it, and the run completes', async () => {
    const db = join(scratch(), 'code.db');
    const plan = join(scratch(), 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        workflows: [
          {
            id: 'code-restart',
            nodes: [
              { id: 'before', type: 'set', with: { values: { n: 21 } } },
              {
                id: 'slow',
                type: 'code',
                needs: ['before'],
                with: {
                  input: '{{ before }}',
                  timeout_ms: 30_000,
                  source:
                    'const end = Date.now() + 3000;\nwhile (Date.now() < end) {}\nreturn input.n * 2',
                },
              },
              { id: 'after', type: 'set', needs: ['slow'], with: { values: { v: '{{ slow }}' } } },
            ],
          },
        ],
        runs: [{ workflow: 'code-restart', key: 'code-restart-1', input: {} }],
        lanes: 1,
      }),
    );
    const env = { WEFT_CRASH_DB: db, WEFT_CRASH_PLAN: plan };

    const first = await loadedChild({ ...env, WEFT_CODE_WORKERS: '1' });
    first.go();
    expect(await first.next('started'), first.stderr.join('')).toBeDefined();
    const pid = first.child.pid!;
    // The pool starts with the first code node: its process appearing means the node is running.
    expect(await until(() => childrenOf(pid).length > 0, 20_000)).toBe(true);
    const sandboxes = childrenOf(pid);
    await sleep(1_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.lines.some((l) => l.ev === 'done')).toBe(false);
    // No sandbox process outlives the engine that started it.
    expect(await until(() => sandboxes.every((p) => !running(p)), 10_000)).toBe(true);

    const second = await loadedChild({ ...env, WEFT_CODE_WORKERS: '1' });
    second.go();
    const done = await Promise.race([second.next('done'), sleep(30_000).then(() => undefined)]);
    if (done === undefined) second.child.kill('SIGKILL');
    expect(await second.exited, second.stderr.join('')).toBe(0);
    expect(done?.['status']).toBe('succeeded');

    const engine = await Engine.open({ db, autoStart: false, lock: false });
    try {
      const id = String(done!['id']);
      const run = await engine.get(id);
      expect(run?.status).toBe('succeeded');
      expect(run?.nodes['after']?.output).toEqual({ v: 42 });
      const events: RunEvent[] = [];
      for await (const e of engine.events(id, { follow: false })) events.push(e);
      const count = (type: string, node: string) =>
        events.filter((e) => e.type === type && e.node === node).length;
      expect(count('node.succeeded', 'before')).toBe(1);
      expect(count('node.succeeded', 'slow')).toBe(1);
      expect(count('node.succeeded', 'after')).toBe(1);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
