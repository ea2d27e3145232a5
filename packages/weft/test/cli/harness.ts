/**
 * Runs the built `weft` command as a user does: a child process of `node packages/weft/bin/weft.js`
 * with no terminal (stdin ignored), in a fresh temporary directory, on a temporary database.
 * `npm test` builds first (`tsc -b`); these tests need that build.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const weftBin = join(repoRoot, 'packages', 'weft', 'bin', 'weft.js');
const builtMain = join(repoRoot, 'packages', 'weft', 'dist', 'cli', 'main.js');

/** Absolute path of a file in examples/. */
export const example = (name: string) => join(repoRoot, 'examples', name);

/** Fails early, with a useful message, when the CLI has not been built. */
export function requireBuild(): void {
  if (!existsSync(builtMain)) {
    throw new Error('the CLI is not built: run `npx tsc -b` (npm test does) before these tests');
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the process, in ms. */
  ms: number;
}

export interface CliOptions {
  cwd: string;
  /** Extra environment variables (added to a clean copy of this process's environment). */
  env?: Record<string, string>;
  /** Kill the process after this long. @default 60000 */
  timeoutMs?: number;
}

function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // Run as a user would: no loader or flags inherited from the test runner, no allow-list unless asked.
  delete env['NODE_OPTIONS'];
  if (extra?.['WEFT_HTTP_ALLOW'] === undefined) delete env['WEFT_HTTP_ALLOW'];
  return env;
}

/** A running `weft` process. */
export class CliProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly result: Promise<CliResult>;
  #stdout = '';
  #stderr = '';
  readonly #listeners = new Set<() => void>();

  constructor(args: readonly string[], options: CliOptions) {
    const t0 = performance.now();
    this.child = spawn(process.execPath, [weftBin, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.#stdout += d;
      this.#notify();
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr += d;
      this.#notify();
    });
    const timeout = setTimeout(() => this.child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    this.result = new Promise<CliResult>((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearTimeout(timeout);
        this.#notify();
        resolve({
          code,
          signal,
          stdout: this.#stdout,
          stderr: this.#stderr,
          ms: performance.now() - t0,
        });
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves once stderr matches `pattern`; rejects if the process ends first or after `ms`. */
  waitForStderr(pattern: RegExp, ms = 30_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(this.#stderr)) {
          done();
          resolve();
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(
            new Error(
              `weft ended before stderr matched ${String(pattern)}; stderr:\n${this.#stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `stderr did not match ${String(pattern)} within ${ms} ms; stderr:\n${this.#stderr}`,
          ),
        );
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends a signal if the process still runs, and waits for it to end. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<CliResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.result;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** Starts `weft ARGS...` and returns at once. */
export function startWeft(args: readonly string[], options: CliOptions): CliProcess {
  return new CliProcess(args, options);
}

/** Runs `weft ARGS...` to its end. */
export function weft(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new CliProcess(args, options).result;
}

/** A fresh temporary directory with a database path in it; `write` puts files there. */
export interface Sandbox {
  dir: string;
  db: string;
  write(name: string, text: string): string;
  /** `weft ARGS... --db <db>` in the sandbox. */
  weft(args: readonly string[], options?: Omit<CliOptions, 'cwd'>): Promise<CliResult>;
  start(args: readonly string[], options?: Omit<CliOptions, 'cwd'>): CliProcess;
  remove(): void;
}

export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const db = join(dir, 'weft.db');
  const started: CliProcess[] = [];
  return {
    dir,
    db,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    weft: (args, options = {}) => weft([...args, '--db', db], { ...options, cwd: dir }),
    start(args, options = {}) {
      const p = startWeft([...args, '--db', db], { ...options, cwd: dir });
      started.push(p);
      return p;
    },
    remove() {
      for (const p of started)
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses the whole of stdout as JSON, failing with the output when it is not. */
export function parseJson<T = any>(r: Pick<CliResult, 'stdout' | 'stderr'>): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (e) {
    throw new Error(
      `stdout is not one JSON value (${(e as Error).message}):\n${r.stdout}\nstderr:\n${r.stderr}`,
    );
  }
}

/** Asserts an exit code, showing the output when it differs. */
export function expectExit(r: CliResult, code: number): void {
  expect(r.code, `exit code ${String(r.code)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(
    code,
  );
}

/** Asserts that stderr holds no JavaScript stack trace or stack overflow. */
export function expectNoCrash(r: CliResult): void {
  expect(r.stderr).not.toMatch(/RangeError|Maximum call stack/);
  expect(r.stderr).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
}

/** The runs in the sandbox's database, as `weft runs list --json` shows them. */
export async function listRuns(box: Sandbox, ...filters: string[]): Promise<any[]> {
  const r = await box.weft(['runs', 'list', '--json', '--limit', '1000', ...filters]);
  expectExit(r, 0);
  return parseJson<{ runs: any[] }>(r).runs;
}

export const lines = (text: string) => text.split('\n').filter((l) => l !== '');
