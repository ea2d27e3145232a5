/**
 * Helpers of the end-to-end tests: the real `weft` binary (from dist/: build first with
 * `npx tsc -b`), `weft serve` on a free port, and fetch against it. Servers still running after a
 * test are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const BIN = fileURLToPath(new URL('../../weft/bin/weft.js', import.meta.url));
export const KEYS = 'acme:e2e-acme-key-0123456789,globex:e2e-globex-key-0123456789';
export const ACME = 'e2e-acme-key-0123456789';
export const GLOBEX = 'e2e-globex-key-0123456789';

export type Json = Record<string, any>;

export interface Serving {
  url: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<Serving>();
afterEach(async () => {
  for (const s of running) await s.stop('SIGKILL');
  running.clear();
});

export function env(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, WEFT_LOG_LEVEL: 'warn' };
  delete e['WEFT_API_KEYS'];
  delete e['WEFT_API_KEY'];
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) e[k] = v;
  return e;
}

export async function serve(
  args: string[],
  extra: Record<string, string | undefined> = {},
): Promise<Serving> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: env(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weft serve did not start: ${err}`)), 15_000);
    proc.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => reject(new Error(`weft serve exited ${code}: ${err}`)));
  });
  const s: Serving = {
    url,
    proc,
    stdout: () => out,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      running.delete(s);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  running.add(s);
  return s;
}

/** Runs `weft ...args` to its end. */
export function weft(
  args: string[],
  extra: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      env: env(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function api(
  s: Serving,
  path: string,
  init: RequestInit & { key?: string; yaml?: string; json?: unknown } = {},
): Promise<Response> {
  const { key, yaml, json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
  if (yaml !== undefined) headers.set('content-type', 'application/yaml');
  if (json !== undefined) headers.set('content-type', 'application/json');
  const body = yaml ?? (json === undefined ? rest.body : JSON.stringify(json));
  return fetch(`${s.url}${path}`, {
    ...rest,
    headers,
    ...(body === undefined ? {} : { body, method: rest.method ?? 'POST' }),
  });
}
