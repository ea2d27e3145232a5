/**
 * A crash test's child: worker.mjs on the built packages, loaded ahead (it waits for `go` on stdin
 * before it opens the store), so that "restart" is the moment the new process opens the store, not
 * the time Node takes to load the packages. Its stdout is one JSON line per event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, root } from './build.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface Line {
  t: number;
  ev: string;
  [k: string]: unknown;
}

/** Children still alive, killed when the test ends whatever happened. */
export const alive = new Set<ChildProcess>();

/** A child loaded and waiting for `go` before it opens the store. */
export async function loadedChild(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [join(here, 'worker.mjs')], {
    cwd: root,
    env: { ...process.env, ...env, WEFT_CRASH_GATE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  alive.add(child);
  child.on('exit', () => alive.delete(child));
  child.stdin!.on('error', () => undefined);
  const lines: Line[] = [];
  const stderr: string[] = [];
  const waiters: { ev: string; resolve: (l: Line | undefined) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    for (const w of waiters.filter((x) => x.ev === line.ev)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) =>
      setImmediate(() => {
        for (const w of waiters.splice(0)) w.resolve(undefined);
        resolve(code);
      }),
    ),
  );
  const next = (ev: string): Promise<Line | undefined> => {
    const seen = lines.find((l) => l.ev === ev);
    if (seen !== undefined) return Promise.resolve(seen);
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(undefined);
    return new Promise((resolve) => waiters.push({ ev, resolve }));
  };
  if ((await next('ready')) === undefined)
    throw new Error(`the child did not load: ${stderr.join('')}`);
  return { child, lines, stderr, exited, next, go: () => child.stdin!.write('go\n') };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the plan `kills` times and SIGKILLs each child a random moment (within `window` ms) after
 * it opened the store, then lets a last child finish every run. The next child loads before the
 * current one starts, so that each kill lands while work is in flight. Throws, with the child's
 * stderr, if a child does not open or the last one does not end cleanly within `lastMs`.
 */
export async function killAtRandom(
  env: Record<string, string>,
  kills: number,
  window: { min: number; max: number },
  lastMs: number,
): Promise<void> {
  let next = await loadedChild(env);
  for (let k = 0; k < kills; k++) {
    const current = next;
    next = await loadedChild(env);
    current.go();
    if ((await current.next('open')) === undefined)
      throw new Error(`a child did not open the store: ${current.stderr.join('')}`);
    await sleep(window.min + Math.floor(Math.random() * (window.max - window.min)));
    current.child.kill('SIGKILL');
    await current.exited;
  }
  next.go();
  const done = await Promise.race([next.next('all-done'), sleep(lastMs).then(() => undefined)]);
  if (done === undefined) next.child.kill('SIGKILL');
  const code = await next.exited;
  if (code !== 0) throw new Error(`the last child ended with ${code}: ${next.stderr.join('')}`);
}

/**
 * A crash test's scratch folder: made (after the packages are built) before the suite's tests,
 * removed after them, and every child still alive killed then. Call it inside the `describe`;
 * the returned function gives the folder.
 */
export function crashScratch(prefix: string, buildMs = 180_000): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), prefix));
  }, buildMs);
  afterAll(() => {
    for (const child of alive) child.kill('SIGKILL');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('the scratch folder is made before the tests');
    return dir;
  };
}
