/**
 * Issue #17 §5 through the binary: `weft serve` takes its connection limits from the environment
 * (a slow client is cut within the configured time, not Node's minutes), and refuses malformed
 * values instead of serving without them.
 */
import { connect } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, sandbox, type Sandbox } from './harness.js';
import { serveBox } from './serve.js';

let box: Sandbox;
beforeAll(() => requireBuild());
afterEach(() => box?.remove());

describe('weft serve connection limits', () => {
  it('cuts a client trickling headers within WEFT_HEADERS_TIMEOUT_MS', async () => {
    box = sandbox();
    const { url } = await serveBox(box, {
      WEFT_HEADERS_TIMEOUT_MS: '300',
      WEFT_REQUEST_TIMEOUT_MS: '600',
    });
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    socket.resume();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const t0 = performance.now();
    // Bounded: stops by itself after 100 drips even if the server never cuts the socket.
    let drips = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || drips++ > 100) clearInterval(timer);
      else socket.write('X-Slow: 1\r\n');
    }, 50);
    await new Promise((r) => socket.once('close', r));
    clearInterval(timer);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it.each([
    [{ WEFT_MAX_CONNECTIONS: 'many' }, /WEFT_MAX_CONNECTIONS must be a positive whole number/],
    [{ WEFT_REQUEST_TIMEOUT_MS: '0' }, /WEFT_REQUEST_TIMEOUT_MS must be a positive whole number/],
    [{ WEFT_REQUEST_TIMEOUT_MS: '5000' }, /must not exceed WEFT_REQUEST_TIMEOUT_MS \(5000\)/],
  ])('refuses %o with exit 2', async (env, message) => {
    box = sandbox();
    const r = await box.weft(['serve', '--port', '0'], { env, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/listening/);
  });
});
