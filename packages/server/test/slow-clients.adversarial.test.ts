/**
 * Issue #17 §5: slow clients. Raw sockets against a real server on 127.0.0.1 with small limits:
 * trickled headers, a trickled body and a body shorter than its Content-Length are cut by the
 * server; /healthz answers meanwhile; the connection cap turns extra sockets away; and an event
 * stream or a `?wait=true` longer than the request timeout is not cut.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../weft/src/index.js';
import { startServer, type RunningServer } from '../src/index.js';
import { readSse, tempDb, testNodes, yaml, type SseMessage } from './helpers.js';

const HEADERS_MS = 400;
const REQUEST_MS = 800;
/** Cut by the server within its timeout plus Node's check interval and some scheduling slack. */
const CUT_BY_MS = REQUEST_MS + 1500;

let engine: Engine;
let server: RunningServer;
let port: number;
beforeAll(async () => {
  engine = await Engine.open({ db: tempDb(), nodes: testNodes });
  server = await startServer({
    engine,
    port: 0,
    host: '127.0.0.1',
    drainMs: 500,
    connections: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS, maxConnections: 64 },
  });
  port = server.port;
  const res = await fetch(`${server.url}/v1/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: yaml`
id: nap
nodes:
  - { id: nap, type: sleep, with: { ms: ${REQUEST_MS * 2} } }
`,
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
});

interface Trickler {
  /** Resolves with the time from connecting to the server closing the socket, in ms. */
  closed: Promise<number>;
  received: () => string;
  socket: Socket;
}

/**
 * Opens a socket, sends `head`, then one `drip` every `everyMs`, at most `drips` times: the loop
 * ends by itself even if the server never closes the socket (the test then fails on time).
 */
function trickle(head: string, drip: string, everyMs: number, drips: number): Trickler {
  const socket = connect(port, '127.0.0.1');
  const t0 = performance.now();
  let data = '';
  let sent = 0;
  socket.setEncoding('utf8').on('data', (d: string) => (data += d));
  socket.on('error', () => {});
  // Written now, so that it goes out first: a drip before the request line would be a 400.
  socket.write(head);
  const timer = setInterval(() => {
    if (socket.destroyed || sent++ >= drips) {
      clearInterval(timer);
      return;
    }
    socket.write(drip);
  }, everyMs);
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(performance.now() - t0);
    }),
  );
  return { closed, received: () => data, socket };
}

async function healthLatency(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return performance.now() - t0;
}

describe('slow clients', () => {
  it('cuts connections trickling headers, while /healthz answers', async () => {
    const slow = Array.from({ length: 40 }, () =>
      trickle('GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 50, 200),
    );
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) latencies.push(await healthLatency());
    const times = await Promise.all(slow.map((s) => s.closed));
    expect(Math.max(...times)).toBeLessThan(HEADERS_MS + 1500);
    expect(Math.max(...latencies)).toBeLessThan(500);
    // Cut for taking too long (408), not refused for what they sent.
    for (const s of slow) expect(s.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts connections trickling a declared 1 MB body', async () => {
    const head =
      'POST /v1/workflows/nap/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${1024 * 1024}\r\n\r\n{"input":"`;
    const slow = Array.from({ length: 20 }, () => trickle(head, 'a'.repeat(16), 50, 400));
    expect(await healthLatency()).toBeLessThan(500);
    const times = await Promise.all(slow.map((s) => s.closed));
    expect(Math.max(...times)).toBeLessThan(CUT_BY_MS);
  });

  it('cuts a request whose body is shorter than its Content-Length', async () => {
    const head =
      'POST /v1/workflows/nap/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 5000\r\n\r\n{"input":{}}';
    const short = trickle(head, '', 1000, 0);
    const ms = await short.closed;
    expect(ms).toBeLessThan(CUT_BY_MS);
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    // The run was never started: the body never arrived.
    const runs = (await (await fetch(`${server.url}/v1/runs?workflow=nap`)).json()) as {
      runs: unknown[];
    };
    expect(runs.runs).toHaveLength(0);
  });

  it('turns away connections past the cap, and serves again once they are cut', async () => {
    const capped = await startServer({
      engine,
      port: 0,
      host: '127.0.0.1',
      drainMs: 500,
      connections: {
        headersTimeoutMs: HEADERS_MS,
        requestTimeoutMs: REQUEST_MS,
        maxConnections: 4,
      },
    });
    try {
      const idle = Array.from({ length: 4 }, () => {
        const s = connect(capped.port, '127.0.0.1');
        s.on('error', () => {});
        // Read (and drop) what comes: an unread socket never sees the server's close.
        s.resume();
        s.write('GET /healthz HTTP/1.1\r\n');
        return s;
      });
      await new Promise((r) => setTimeout(r, 100));
      const extra = connect(capped.port, '127.0.0.1');
      extra.on('error', () => {});
      extra.resume();
      const t0 = performance.now();
      await new Promise((r) => extra.once('close', r));
      expect(performance.now() - t0).toBeLessThan(HEADERS_MS);
      await Promise.all(idle.map((s) => new Promise((r) => s.once('close', r))));
      expect((await fetch(`${capped.url}/healthz`)).status).toBe(200);
    } finally {
      await capped.close();
    }
  });

  it('does not cut an event stream or a wait longer than the request timeout', async () => {
    const waited = fetch(`${server.url}/v1/workflows/nap/runs?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input":{}}',
    });
    const started = await fetch(`${server.url}/v1/workflows/nap/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input":{}}',
    });
    const { id } = (await started.json()) as { id: string };
    const t0 = performance.now();
    const got: SseMessage[] = [];
    const stream = await fetch(`${server.url}/v1/runs/${id}/events`, {
      headers: { accept: 'text/event-stream' },
    });
    await readSse(stream, (m) => {
      got.push(m);
      return m.event !== 'run.succeeded';
    });
    expect(performance.now() - t0).toBeGreaterThan(REQUEST_MS);
    expect(got.at(-1)?.event).toBe('run.succeeded');
    const res = await waited;
    expect(res.status).toBe(201);
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
  });
});
