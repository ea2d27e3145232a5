/**
 * `WEFT_START_RATE` on `weft serve`: the real binary, two servers on one PostgreSQL database
 * sharing each tenant's start rate (the store's bucket), and a malformed value refused at start.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import {
  expectExit,
  requireBuild,
  sandbox,
  startWeft,
  type CliProcess,
  type Sandbox,
} from './harness.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

let box: Sandbox;
beforeEach(() => {
  requireBuild();
  box = sandbox();
});
afterEach(() => box.remove());

const env = {
  WEFT_LOG_LEVEL: 'warn',
  WEFT_SECRET_KEY: 'k'.repeat(40),
  WEFT_START_RATE: '3/min',
};

const started: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
});

async function serve(url: string): Promise<string> {
  const proc = startWeft(['serve', '--port', '0', '--postgres', url], { cwd: box.dir, env });
  started.push(proc);
  let base: string | undefined;
  for (let i = 0; i < 300 && base === undefined; i++) {
    base = /listening on (http:\S+)/.exec(proc.stdout)?.[1];
    if (base === undefined && proc.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
  }
  expect(base, proc.stdout + proc.stderr).toBeDefined();
  return base as string;
}

const startRun = (base: string) =>
  fetch(`${base}/v1/workflows/quick/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"input":{}}',
  });

describe('weft serve with WEFT_START_RATE', () => {
  it('shares each tenant’s start rate between the servers on one database', async () => {
    const url = schemas.urlFor(await schemas.create());
    const a = await serve(url);
    const b = await serve(url);
    const published = await fetch(`${a}/v1/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'id: quick\nnodes: [{ id: n, type: noop }]\n',
    });
    expect(published.status).toBe(201);
    for (const base of [a, b, a]) expect((await startRun(base)).status).toBe(201);
    const refused = await startRun(b);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await startRun(a)).status).toBe(429);
  }, 90_000);

  it('refuses a malformed rate at start, with exit 2', async () => {
    const r = await box.weft(['serve', '--port', '0'], {
      env: { ...env, WEFT_START_RATE: '20 per second' },
    });
    expectExit(r, 2);
    expect(r.stderr).toMatch(/WEFT_START_RATE: start rate "20 per second": not LIMIT\/PER/);
  });
});
