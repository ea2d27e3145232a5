/**
 * The pool and its child processes: started lazily, warm children reused, a queue when all are
 * busy, a killed child replaced, a child retired after its runs, and children that hold no secret
 * of the parent: an empty environment and none of the parent's open files.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SandboxPool, workersFromEnv } from '../src/index.js';
import { ensureSandboxBuilt } from './build.js';

beforeAll(() => ensureSandboxBuilt(), 120_000);

const pools: SandboxPool[] = [];
function pool(options: ConstructorParameters<typeof SandboxPool>[0] = {}): SandboxPool {
  const p = new SandboxPool(options);
  pools.push(p);
  return p;
}
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});

const js = (source: string, input: unknown = null) => ({
  language: 'javascript',
  source,
  inputJson: JSON.stringify(input),
});

describe('sandbox pool', () => {
  it('starts no process until the first job, then answers with the returned JSON', async () => {
    const p = pool({ workers: 2 });
    expect(p.pids).toEqual([]);
    const r = await p.run(
      js('return { sum: input.a + input.b, at: await Promise.resolve(1) }', { a: 1, b: 2 }),
    );
    expect(r).toEqual({ ok: true, outputJson: '{"sum":3,"at":1}' });
    expect(p.pids).toHaveLength(2);
  });

  it('captures console.log lines, bounded in number', async () => {
    const lines: string[] = [];
    const p = pool({ workers: 1 });
    const r = await p.run({
      ...js(
        'console.log("a", 1, { b: [2] }); for (let i = 0; i < 1000; i++) console.log(i); return null',
      ),
      log: (l) => lines.push(l),
    });
    expect(r.ok).toBe(true);
    expect(lines[0]).toBe('a 1 {"b":[2]}');
    expect(lines.length).toBe(201);
    expect(lines.at(-1)).toBe('[more console output dropped]');
  });

  it('queues jobs while every child is busy, and runs them all', async () => {
    const p = pool({ workers: 1 });
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        p.run(js('await new Promise((r) => setTimeout(r, 20)); return input * 2', n)),
      ),
    );
    expect(results).toEqual([2, 4, 6, 8].map((n) => ({ ok: true, outputJson: String(n) })));
    expect(p.pids).toHaveLength(1);
  });

  it('replaces a child killed for its time, and the next job runs', async () => {
    const p = pool({ workers: 1, killGraceMs: 200 });
    await p.run(js('return 1'));
    const [first] = p.pids;
    // One long native call: the interrupt handler cannot stop it, the kill from outside does.
    const r = await p.run({ ...js("return (new Array(1e9) + '').length"), timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, code: 'code_timeout' });
    expect(await p.run(js('return 2'))).toEqual({ ok: true, outputJson: '2' });
    expect(p.pids).not.toContain(first);
  });

  it('sends a job past an idle child that was killed from outside', async () => {
    const p = pool({ workers: 1 });
    await p.run(js('return 1'));
    for (const pid of p.pids) process.kill(pid, 'SIGKILL');
    expect(await p.run(js('return 2'))).toEqual({ ok: true, outputJson: '2' });
  });

  it('retires a child after its number of runs', async () => {
    const p = pool({ workers: 1, runsPerChild: 2 });
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      expect((await p.run(js('return 1'))).ok).toBe(true);
      for (const pid of p.pids) seen.add(pid);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('stops a running job on abort, and one waiting in the queue', async () => {
    const p = pool({ workers: 1 });
    const running = new AbortController();
    const queued = new AbortController();
    const a = p.run({ ...js('while (true) {}'), timeoutMs: 60_000, signal: running.signal });
    const b = p.run({ ...js('return 1'), signal: queued.signal });
    queued.abort();
    running.abort();
    expect(await a).toMatchObject({ ok: false, code: 'code_aborted' });
    expect(await b).toMatchObject({ ok: false, code: 'code_aborted' });
    expect(await p.run(js('return 3'))).toEqual({ ok: true, outputJson: '3' });
  });

  it('refuses an input over the data limit before sending it', async () => {
    const p = pool({ workers: 1 });
    const r = await p.run({
      ...js('return 1'),
      inputJson: JSON.stringify('x'.repeat(100)),
      maxOutputBytes: 50,
    });
    expect(r).toMatchObject({ ok: false, code: 'code_error' });
    expect(p.pids).toEqual([]);
  });

  it('refuses an output over the data limit', async () => {
    const p = pool({ workers: 1 });
    const r = await p.run({ ...js("return 'x'.repeat(1000)"), maxOutputBytes: 100 });
    expect(r).toMatchObject({ ok: false, code: 'code_invalid_output', tooLarge: true });
  });

  it.runIf(process.platform === 'linux')(
    "gives its children an empty environment and none of the parent's open files",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'weft-sandbox-'));
      const secretFile = join(dir, 'secret.txt');
      writeFileSync(secretFile, 'top secret');
      const fd = openSync(secretFile, 'r');
      process.env['WEFT_SANDBOX_CANARY'] = 'canary-value';
      try {
        const p = pool({ workers: 1 });
        await p.run(js('return 1'));
        const [pid] = p.pids;
        // Only what Node itself sets to find the IPC channel.
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
        expect(environ.filter((v) => !v.startsWith('NODE_CHANNEL_'))).toEqual([]);
        const targets = readdirSync(`/proc/${pid}/fd`).map((f) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${f}`);
          } catch {
            return '';
          }
        });
        expect(targets).not.toContain(secretFile);
        expect(targets.filter((t) => t.startsWith('/') && !t.startsWith('/dev/'))).toEqual([]);
        // Behind QuickJS, Node's permission model: no writes, processes or addons; threads only
        // for Python's interpreter.
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        expect(cmdline.some((a) => a === '--permission' || a === '--experimental-permission')).toBe(
          true,
        );
        expect(
          cmdline.filter((a) => a.startsWith('--allow-') && !a.startsWith('--allow-fs-read=')),
        ).toEqual(['--allow-worker']);
      } finally {
        closeSync(fd);
        delete process.env['WEFT_SANDBOX_CANARY'];
      }
    },
  );

  it('runs Python in the same children; its time limit counts from a loaded interpreter', async () => {
    const p = pool({ workers: 1 });
    const py = (source: string, input: unknown = null, timeoutMs = 1_000) => ({
      language: 'python',
      source,
      inputJson: JSON.stringify(input),
      timeoutMs,
    });
    // Pyodide takes seconds to load, far past this job's 1 s: the load does not count.
    const lines: string[] = [];
    expect(
      await p.run({
        ...py('print("hi")\nreturn {"sum": input["a"] + input["b"]}', { a: 2, b: 3 }),
        log: (l) => lines.push(l),
      }),
    ).toEqual({ ok: true, outputJson: '{"sum": 5}' });
    expect(lines).toEqual(['hi']);
    // The same child still runs JavaScript.
    expect(await p.run(js('return input * 2', 21))).toEqual({ ok: true, outputJson: '42' });
    const spin = await p.run(py('while True:\n    pass', null, 300));
    expect(spin).toMatchObject({ ok: false, code: 'code_timeout' });
    // The interpreter the timeout replaced is loaded again before the next job's time starts.
    expect(await p.run(py('return sorted(input)', [3, 1, 2]))).toEqual({
      ok: true,
      outputJson: '[1, 2, 3]',
    });
    expect(await p.run(py('import os\nreturn os.system("true")'))).toMatchObject({
      ok: false,
      code: 'code_error',
    });
  }, 180_000);

  it('ends code that fills memory at its memory limit, not its time limit', async () => {
    const p = pool({ workers: 1 });
    const bombs = [
      'const a = []; while (true) a.push(new Array(1e5).fill(1));',
      'const a = []; for (let i = 0; ; i++) a.push("x".repeat(1e5) + i);',
      // Catching the error does not lift the limit.
      'const a = []; try { for (;;) a.push(new Array(1e5).fill(1)); } catch { } return a.map(String).join().length;',
    ];
    for (const source of bombs) {
      const r = await p.run({ ...js(source), timeoutMs: 60_000, memoryBytes: 32 * 1024 * 1024 });
      expect(r, source).toMatchObject({ ok: false, code: 'code_memory' });
    }
    // Stopped at the limit, not when the WebAssembly memory could grow no more (gigabytes): the
    // process never held much more than its V8 heap and the limit.
    const [pid] = p.pids;
    const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    expect(Number(peak) * 1024).toBeLessThan(512 * 1024 * 1024);
    // A job with more room than the last one's limit is not refused, and the next one runs.
    const big = await p.run({
      ...js('return new Array(2e6).fill(1).length'),
      memoryBytes: 128 * 1024 * 1024,
    });
    expect(big).toEqual({ ok: true, outputJson: '2000000' });
    expect(await p.run(js('return 7'))).toEqual({ ok: true, outputJson: '7' });
  });

  it('sizes itself from WEFT_CODE_WORKERS, else the cores', () => {
    expect(workersFromEnv({ WEFT_CODE_WORKERS: '3' })).toBe(3);
    expect(workersFromEnv({ WEFT_CODE_WORKERS: 'many' })).toBeGreaterThan(0);
    expect(workersFromEnv({})).toBeGreaterThan(0);
  });
});
