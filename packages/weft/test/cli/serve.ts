/**
 * `weft serve` on a sandbox's database for the CLI tests, on a free port: the real binary, as a
 * user starts it. Stopped by the sandbox's `remove()` if a test does not stop it.
 */
import { expect } from 'vitest';
import type { CliProcess, Sandbox } from './harness.js';

export interface Serving {
  url: string;
  proc: CliProcess;
}

export async function serveBox(box: Sandbox, env: Record<string, string> = {}): Promise<Serving> {
  const proc = box.start(['serve', '--port', '0'], { env: { WEFT_LOG_LEVEL: 'warn', ...env } });
  // `listening on URL` comes on stdout once connections are accepted.
  let url: string | undefined;
  for (let i = 0; i < 300 && url === undefined; i++) {
    url = /listening on (http:\S+)/.exec(proc.stdout)?.[1];
    if (url === undefined && proc.child.exitCode === null) await delay(100);
  }
  expect(url, proc.stdout + proc.stderr).toBeDefined();
  return { url: url as string, proc };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
