/**
 * A canary secret, stored as credentials and used by `http` nodes against a local server in a
 * succeeding, a failing and a retried run, must never be found in clear: not in the raw bytes of
 * the database file or its WAL, not in any event, run view or node output, not in any log line or
 * error. The server echoes what it receives (body and headers), the worst case for leaks.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type RunEvent, type RunView } from '../../src/index.js';
import { tempDb, yaml } from '../helpers.js';
import { captureLog, SECRET_A } from './support.js';

const CANARY = 'canary-7f3a9c1e5b2d4f60-SECRET';
const CANARY_USER = 'canary-user';
const CANARY_PASSWORD = 'canary-pw-0d9e8f7a6b5c';
/** What a basic credential puts on the wire. */
const CANARY_BASIC = Buffer.from(`${CANARY_USER}:${CANARY_PASSWORD}`).toString('base64');
const CANARY_HEADER = 'canary-hdr-11aa22bb33cc44dd';
const NEEDLES = [CANARY, CANARY_PASSWORD, CANARY_BASIC, CANARY_HEADER];

let server: Server;
let origin: string;
const received: IncomingHttpHeaders[] = [];
const flakyCount = new Map<string, number>();
let savedAllow: string | undefined;

beforeAll(async () => {
  savedAllow = process.env['WEFT_HTTP_ALLOW'];
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  server = createServer((req, res) => {
    received.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://x');
    const echo = JSON.stringify({ url: req.url, headers: req.headers });
    const send = (status: number) =>
      res
        .writeHead(status, {
          'content-type': 'application/json',
          // Echoed in a response header too: the node's output holds response headers.
          'x-echo-auth': String(req.headers['authorization'] ?? req.headers['x-canary'] ?? ''),
        })
        .end(echo);
    const [route, key = ''] = url.pathname.split('/').filter(Boolean);
    if (route === 'ok') return send(200);
    if (route === 'fail') return send(500);
    if (route === 'flaky') {
      const n = (flakyCount.get(key) ?? 0) + 1;
      flakyCount.set(key, n);
      return send(n < 3 ? 503 : 200);
    }
    return send(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const workflow = (id: string, route: string, maxAttempts: number) => yaml`
id: ${id}
nodes:
  - id: bearer
    type: http
    with: { url: "${origin}/${route}/${id}-bearer", credential: api }
    retry: { max_attempts: ${maxAttempts}, initial_ms: 10 }
  - id: basic
    type: http
    with: { url: "${origin}/${route}/${id}-basic", credential: login }
    retry: { max_attempts: ${maxAttempts}, initial_ms: 10 }
  - id: header
    type: http
    with: { url: "${origin}/${route}/${id}-header", credential: custom }
    retry: { max_attempts: ${maxAttempts}, initial_ms: 10 }
`;

function findings(haystack: string | Buffer, where: string): string[] {
  const out: string[] = [];
  for (const n of NEEDLES) {
    const hit =
      typeof haystack === 'string'
        ? haystack.includes(n)
        : haystack.includes(Buffer.from(n, 'utf8'));
    if (hit) out.push(`${where} holds ${n}`);
  }
  return out;
}

describe('a canary secret never appears in clear', () => {
  it('in succeeding, failing and retried runs: database bytes, WAL, events, runs, logs', async () => {
    const db = tempDb();
    const captured = captureLog();
    const engine = await Engine.open({ db, secretKey: SECRET_A, log: captured.log });
    const stored = [
      await engine.credentials.put('api', { type: 'bearer', value: CANARY }),
      await engine.credentials.put('login', {
        type: 'basic',
        username: CANARY_USER,
        password: CANARY_PASSWORD,
      }),
      await engine.credentials.put('custom', {
        type: 'header',
        name: 'X-Canary',
        value: CANARY_HEADER,
      }),
    ];
    const listed = await engine.credentials.list();

    const runs: RunView[] = [];
    runs.push(await engine.run(workflow('succeeds', 'ok', 1)));
    runs.push(await engine.run(workflow('fails', 'fail', 2)));
    runs.push(await engine.run(workflow('retried', 'flaky', 3)));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    const retried = runs[2]!;
    expect(retried.nodes['bearer']?.attempts).toBe(3);
    expect(runs[1]!.error?.code).toBe('http_status');

    // The secrets really went out: the scan below would prove nothing otherwise.
    expect(received.some((h) => h['authorization'] === `Bearer ${CANARY}`)).toBe(true);
    expect(received.some((h) => h['authorization'] === `Basic ${CANARY_BASIC}`)).toBe(true);
    expect(received.some((h) => h['x-canary'] === CANARY_HEADER)).toBe(true);
    // ... and came back in the answers: redaction, not luck, keeps them out of outputs.
    expect(JSON.stringify(runs[0]!.nodes['bearer']?.output)).toContain('[redacted]');

    const problems: string[] = [];
    const events: RunEvent[] = [];
    for (const run of runs) {
      for await (const e of engine.events(run.id, { follow: false })) events.push(e);
      problems.push(...findings(JSON.stringify(await engine.get(run.id)), `run ${run.id}`));
      problems.push(
        ...findings(JSON.stringify(await engine.store.loadRun(run.id)), `rows of run ${run.id}`),
      );
    }
    expect(events.some((e) => e.type === 'node.retrying')).toBe(true);
    problems.push(...findings(JSON.stringify(events), 'events'));
    problems.push(...findings(JSON.stringify({ stored, listed }), 'credential answers'));
    problems.push(...findings(captured.text(), 'logs'));

    // The raw files, while open (the WAL holds the recent pages) and after close (checkpointed).
    const wal = `${db}-wal`;
    expect(existsSync(wal)).toBe(true);
    problems.push(...findings(readFileSync(db), 'database file'));
    problems.push(...findings(readFileSync(wal), 'WAL file'));
    await engine.close();
    const file = readFileSync(db);
    problems.push(...findings(file, 'database file after close'));
    // The scan reads real content: what the runs stored (the echoed URL, the redaction mark) is there.
    expect(file.includes(Buffer.from('/flaky/retried-bearer'))).toBe(true);
    expect(file.includes(Buffer.from('[redacted]'))).toBe(true);
    if (existsSync(wal)) problems.push(...findings(readFileSync(wal), 'WAL file after close'));

    expect(problems).toEqual([]);
    expect(captured.lines.length).toBeGreaterThan(0);
  });

  it('in the errors of a run whose credential is missing or unreadable', async () => {
    const db = tempDb();
    const captured = captureLog();
    const engine = await Engine.open({ db, secretKey: SECRET_A, log: captured.log });
    await engine.credentials.put('api', { type: 'bearer', value: CANARY });
    const row = await engine.store.getCredential('default', 'api');
    // A ciphertext moved under another name: it must fail without telling anything.
    await engine.store.putCredential({
      tenant: 'default',
      name: 'login',
      type: 'bearer',
      ciphertext: row!.ciphertext,
      at: row!.createdAt,
    });
    const run = await engine.run(yaml`
id: broken
nodes:
  - { id: unreadable, type: http, with: { url: "${origin}/ok/x", credential: login }, on_error: continue }
  - { id: missing, type: http, with: { url: "${origin}/ok/y", credential: nowhere }, on_error: continue }
`);
    expect(run.status).toBe('succeeded');
    const codes = Object.values(run.nodes).map((n) => n.error?.code);
    expect(codes).toContain('credential_unreadable');
    expect(codes).toContain('credential_not_found');
    const text = JSON.stringify(run) + captured.text();
    expect(findings(text, 'run and logs')).toEqual([]);
    await engine.close();
  });
});
