/**
 * `weft test-node FILE NODE [--scope JSON | --scope @file.json]`: one node run alone, in this
 * process on the local database (its credentials) and against a server, with the same output and
 * exit codes: 0 the node succeeded (its output as JSON on stdout), 1 it failed, 2 what the user
 * gave is wrong (definition with positions, node, scope).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectExit,
  parseJson,
  requireBuild,
  sandbox,
  type CliResult,
  type Sandbox,
} from './harness.js';
import { serveBox } from './serve.js';

let api: Server;
let apiUrl = '';

beforeAll(async () => {
  requireBuild();
  api = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

const flow = () => `id: orders
nodes:
  - id: fetch
    type: http
    with: { url: "${apiUrl}/orders/{{ inputs.id }}", credential: api }
  - id: total
    type: code
    needs: [fetch]
    with:
      input: "{{ fetch.body }}"
      source: |
        return { path: input.path, total: input.lines.reduce((a, b) => a + b, 0) }
  - id: ask
    type: human
    needs: [total]
    with: { prompt: OK? }
`;

describe.each([['local'], ['server']] as const)('weft test-node (%s)', (way) => {
  const box = {} as Sandbox;
  let url = '';
  const env = {
    WEFT_SECRET_KEY: 'cli-test-secret-key-0123456789abcdefgh',
    WEFT_HTTP_ALLOW: '127.0.0.1',
  };
  const cli = (...args: string[]): Promise<CliResult> =>
    box.weft(way === 'server' ? [...args, '--server', url] : args, { env });

  beforeAll(async () => {
    Object.assign(box, sandbox());
    box.write('orders.yaml', flow());
    box.write('scope.json', JSON.stringify({ fetch: { body: { path: '/o/1', lines: [2, 3] } } }));
    box.write('bad.yaml', 'id: bad\nnodes:\n  - { id: a, type: htp }\n');
    if (way === 'server') url = (await serveBox(box, env)).url;
    expectExit(await cli('credentials', 'set', 'api', '--type', 'bearer', '--value', 'tok-1'), 0);
  }, 60_000);
  afterAll(() => box.remove?.());

  it('runs an http node with the stored credential and prints its output', async () => {
    const r = await cli('test-node', 'orders.yaml', 'fetch', '--scope', '{"inputs":{"id":7}}');
    expectExit(r, 0);
    expect(parseJson(r)).toMatchObject({
      status: 200,
      body: { path: '/orders/7', auth: 'Bearer tok-1' },
    });
    expect(r.stderr).toMatch(/node fetch succeeded in \d+ms/);
  });

  it('runs a code node with the scope from a file; --json prints the whole answer', async () => {
    const r = await cli('test-node', 'orders.yaml', 'total', '--scope', '@scope.json', '--json');
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({
      status: 'succeeded',
      output: { path: '/o/1', total: 5 },
      duration_ms: expect.any(Number),
    });
  });

  it('exits 1 when the node fails, its error on stderr', async () => {
    const r = await cli('test-node', 'orders.yaml', 'total', '--scope', '{"fetch":{"body":{}}}');
    expectExit(r, 1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/node total failed in \d+ms: code_error: TypeError/);
  });

  it('exits 2 for an unknown node, a human node, an invalid definition or scope', async () => {
    const unknown = await cli('test-node', 'orders.yaml', 'nope');
    expectExit(unknown, 2);
    expect(unknown.stderr).toMatch(/no node "nope"; its nodes: fetch, total, ask/);
    const human = await cli('test-node', 'orders.yaml', 'ask');
    expectExit(human, 2);
    expect(human.stderr).toMatch(/node_not_testable: node "ask" is a human node/);
    const bad = await cli('test-node', 'bad.yaml', 'a');
    expectExit(bad, 2);
    expect(bad.stderr).toMatch(/bad\.yaml:3:\d+: nodes\[0\]\.type: /);
    const scope = await cli('test-node', 'orders.yaml', 'fetch', '--scope', '[1]');
    expectExit(scope, 2);
    expect(scope.stderr).toMatch(/--scope must be a JSON object/);
  });
});
