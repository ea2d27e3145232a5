/**
 * Issue #17 §6: a server that echoes a credential in a long error body. The http node keeps an
 * excerpt of the body (1024 characters); a cut through the secret used to leave its start in the
 * excerpt, where whole-secret redaction no longer matched it. No 8-character piece of the secret
 * may reach the stored error, the events (JSON and SSE), the API's answers or the database file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, publish, readSse, startTestServer, yaml, type TestServer } from './helpers.js';

const SECRET = 'tok-5f1c9e7a2b8d4c60a1e3x9';
const EXCERPT = 1024;
const PIECE = 8;

/** Every piece of the secret a reader could recognise it by. */
const pieces = Array.from({ length: SECRET.length - PIECE + 1 }, (_, i) =>
  SECRET.slice(i, i + PIECE),
);
const leaks = (text: string) => pieces.filter((p) => text.includes(p));

let echo: Server;
let origin: string;
let savedAllow: string | undefined;
let t: TestServer;

beforeAll(async () => {
  savedAllow = process.env['WEFT_HTTP_ALLOW'];
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  // /cut/K answers a body whose excerpt is cut K characters into the echoed token; /json/K the
  // same as broken JSON (the node's parse error keeps an excerpt too).
  echo = createServer((req, res) => {
    const [route = '', k = '0'] = (req.url ?? '').split('/').filter(Boolean);
    const token = String(req.headers['authorization'] ?? '').replace(/^Bearer /, '');
    const body = `${'p'.repeat(EXCERPT - Number(k))}${token} and more text after it`;
    if (route === 'json') res.writeHead(200, { 'content-type': 'application/json' });
    else res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;

  t = await startTestServer();
  const put = await t.call('/v1/credentials/api', {
    method: 'PUT',
    key: ACME,
    json: { type: 'bearer', value: SECRET },
  });
  expect(put.status).toBeLessThan(300);
  await publish(
    t,
    yaml`
id: leak
inputs:
  type: object
  properties: { route: { type: string }, k: { type: integer } }
nodes:
  - id: call
    type: http
    with: { url: "${origin}/{{ inputs.route }}/{{ inputs.k }}", credential: api }
    retry: { max_attempts: 1 }
`,
  );
});

afterAll(async () => {
  await t?.close();
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
  echo?.closeAllConnections();
  await new Promise<void>((resolve) => echo?.close(() => resolve()));
});

async function failedRun(route: string, k: number): Promise<string> {
  const res = await t.call('/v1/workflows/leak/runs?wait=true', {
    key: ACME,
    json: { input: { route, k } },
  });
  const run = (await res.json()) as { id: string; status: string };
  expect(run.status).toBe('failed');
  return run.id;
}

describe('a secret echoed across the excerpt cut', () => {
  it.each([
    ['http_status', 'cut', 8],
    ['http_status', 'cut', 13],
    ['http_status', 'cut', SECRET.length - 1],
    ['response_parse', 'json', 8],
    ['response_parse', 'json', 20],
  ])('%s via /%s/%i: no piece of it anywhere', async (code, route, k) => {
    const id = await failedRun(route, k);
    const view = await (await t.call(`/v1/runs/${id}`, { key: ACME })).text();
    // The excerpt was kept (the padding is there), and what stood for the secret is masked.
    expect(view).toContain(code);
    expect(view).toContain('p'.repeat(100));
    expect(view).toContain('[re');
    expect(leaks(view)).toEqual([]);

    const events = await (await t.call(`/v1/runs/${id}/events`, { key: ACME })).text();
    expect(events).toContain(code);
    expect(leaks(events)).toEqual([]);

    let streamed = '';
    const sse = await t.call(`/v1/runs/${id}/events`, {
      key: ACME,
      headers: { accept: 'text/event-stream' },
    });
    await readSse(sse, (m) => {
      streamed += `${m.data ?? ''}\n`;
      return m.event !== 'run.failed';
    });
    expect(streamed).toContain(code);
    expect(leaks(streamed)).toEqual([]);
  });

  it('leaves no piece of it in the database file or its WAL', () => {
    for (const file of [t.db, `${t.db}-wal`]) {
      if (!existsSync(file)) continue;
      expect(leaks(readFileSync(file).toString('latin1'))).toEqual([]);
    }
  });
});
