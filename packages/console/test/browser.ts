/**
 * What the console's end-to-end tests stand on: Debian's Chromium (installed with apt when it is
 * missing and this is root, never a downloaded browser build), the built console, and a real
 * `weft serve` on a SQLite file.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CONSOLE = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../../weft/bin/weft.js', import.meta.url));
export const SCREENSHOTS = join(CONSOLE, 'test-results');

/** Why the browser cannot be had, or undefined when /usr/bin/chromium is there (maybe just installed). */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 300_000,
      });
    } catch {
      // said below
    }
    if (existsSync(CHROMIUM)) return undefined;
  }
  return `${CHROMIUM} is missing and apt-get could not install it (apt-get install -y chromium)`;
}

/** Builds the console when its dist/ is missing (a fresh clone's `npm install` builds it). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(CONSOLE, 'dist', 'index.html'))) return;
  execFileSync('npx', ['vite', 'build'], { cwd: CONSOLE, stdio: 'ignore' });
}

export function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface Server {
  url: string;
  db: string;
  stop(): Promise<void>;
}

export async function startWeft(
  keys: string,
  extraEnv: Record<string, string> = {},
): Promise<Server> {
  const db = join(mkdtempSync(join(tmpdir(), 'weft-console-')), 'weft.db');
  const proc: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], {
    env: {
      ...process.env,
      WEFT_API_KEYS: keys,
      WEFT_LOG_LEVEL: 'warn',
      WEFT_CONSOLE_DIR: '',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weft serve did not start: ${err}`)), 30_000);
    proc.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`weft serve exited ${code}: ${err}`)));
  });
  return {
    url,
    db,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
