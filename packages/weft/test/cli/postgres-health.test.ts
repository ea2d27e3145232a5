/**
 * `/healthz` of `weft serve --postgres` says whether the database answers: the server reaches
 * PostgreSQL through a TCP relay of the test's, which the test cuts (every connection dropped, new
 * ones refused) and opens again. Down, `/healthz` answers 503 and the server keeps running;
 * back, it answers 200 again without a restart.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import { requireBuild, sandbox, startWeft, type CliProcess, type Sandbox } from './harness.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

/** Relays TCP connections to PostgreSQL until cut. */
class Relay {
  readonly #target: URL;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(target: URL) {
    this.#target = target;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.#target.port || 5432), this.#target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Drops every connection and refuses new ones, as a database host that went away. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise((r) => server.close(r));
  }
}

async function health(base: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/healthz`);
  return { status: res.status, body: await res.json() };
}

async function until(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('weft serve --postgres: /healthz', () => {
  let relay: Relay | undefined;
  let proc: CliProcess | undefined;
  afterEach(async () => {
    await proc?.stop('SIGKILL');
    await relay?.cut();
  });

  it('answers 503 while the database cannot be reached, and 200 once it is back', async () => {
    const direct = new URL(schemas.urlFor(await schemas.create()));
    relay = new Relay(direct);
    await relay.open();
    const url = new URL(direct);
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    proc = startWeft(['serve', '--port', '0', '--postgres', url.toString()], {
      cwd: box.dir,
      env: { WEFT_SECRET_KEY: 'k'.repeat(40), WEFT_LOG_LEVEL: 'warn' },
    });
    await until(async () => /listening on http:\S+/.test(proc?.stdout ?? ''));
    const base = /listening on (http:\S+)/.exec(proc.stdout)?.[1] as string;
    expect(await health(base)).toEqual({ status: 200, body: { status: 'ok', store: 'ok' } });

    await relay.cut();
    const down = await health(base);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      error: { code: 'unavailable', message: 'the store cannot be reached' },
    });
    await proc.waitForStderr(/"msg":"health check: the store cannot be reached"/);

    await relay.open();
    await until(async () => (await health(base)).status === 200);
    expect(await health(base)).toEqual({ status: 200, body: { status: 'ok', store: 'ok' } });
    expect(proc.child.exitCode).toBeNull();
  });
});
