/**
 * A 413 on a kept-alive connection, through undici (Node's fetch) with one connection in its
 * pool: the server says `Connection: close`, so the client's next request opens a new connection
 * instead of failing on the one the server drops ("fetch failed: other side closed").
 */
import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ACME, publish, startTestServer, type TestServer } from './helpers.js';

let t: TestServer | undefined;
let pool: Agent | undefined;
afterEach(async () => {
  await pool?.close();
  await t?.close();
  pool = t = undefined;
});

/** A body sent in chunks, without Content-Length. */
const streamed = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });

async function serverWithOneConnection() {
  t = await startTestServer({ limits: { maxBodyBytes: 2000 } });
  await publish(t, 'id: w\nnodes: [{ id: a, type: noop }]\n');
  const dispatcher = (pool = new Agent({ connections: 1 }));
  const url = `${t.url}/v1/workflows/w/runs`;
  return (body: string | ReadableStream<Uint8Array>) =>
    fetch(url, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Bearer ${ACME}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
}

describe('413 on a kept-alive connection', () => {
  it('after a streamed body over the limit, the next request on the same pool succeeds', async () => {
    const post = await serverWithOneConnection();
    const pad = Array.from({ length: 200 }, () => 'x'.repeat(1000));
    const big = await post(streamed(['{"input":{"pad":"', ...pad, '"}}']));
    expect(big.status).toBe(413);
    expect(big.headers.get('connection')).toBe('close');
    expect(((await big.json()) as any)['error']['code']).toBe('payload_too_large');
    const ok = await post('{"input":{"n":1}}');
    expect(ok.status).toBe(201);
  });

  it('after a Content-Length over the limit, the next request on the same pool succeeds', async () => {
    const post = await serverWithOneConnection();
    const big = await post(JSON.stringify({ input: { pad: 'x'.repeat(100_000) } }));
    expect(big.status).toBe(413);
    expect(big.headers.get('connection')).toBe('close');
    await big.text();
    const ok = await post('{"input":{"n":2}}');
    expect(ok.status).toBe(201);
  });
});
