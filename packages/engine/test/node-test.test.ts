/**
 * "Test this node" through the Engine (`engine.testNode`, and so `client.nodes.test`): one node of
 * a definition run alone against a given scope, with real nodes over real HTTP (a local server the
 * test starts, the fake OpenAI-compatible server), the code node in its sandbox, the tenant's own
 * credentials, the node's timeout; and nothing stored.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer } from '../../../test/fixtures/openai-server.mjs';
import { Engine, WeftError } from '../src/index.js';
import { SECRET_A } from './credentials/support.js';
import { tempDb } from './helpers.js';

let engine: Engine;
let api: Server;
let apiUrl: string;
let ai: Awaited<ReturnType<typeof startOpenAiServer>>;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  api = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    // /slow never answers: the node's timeout ends the test.
    if (req.url === '/slow') return;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, authorized: req.headers.authorization !== undefined }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  ai = await startOpenAiServer({ apiKey: 'right-key' });
  engine = await Engine.open({ db: tempDb(), secretKey: SECRET_A, nodeTestTimeoutMs: 5000 });
  await engine.credentials.put('acme', 'api', { type: 'bearer', value: 'acme-token' });
  await engine.credentials.put('acme', 'ai', {
    type: 'openai',
    base_url: ai.url,
    api_key: 'right-key',
  });
});
afterAll(async () => {
  await engine.close();
  await ai.close();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});

const flow = () => `id: shop
inputs: { type: object, properties: { id: { type: integer } } }
nodes:
  - id: lookup
    type: set
    with: { values: { url: "${apiUrl}/items/{{ inputs.id }}" } }
  - id: fetch
    type: http
    needs: [lookup]
    with: { url: "{{ lookup.url }}", credential: api }
  - id: slow
    type: http
    timeout_ms: 300
    with: { url: "${apiUrl}/slow" }
  - id: sum
    type: code
    needs: [fetch]
    with:
      input: "{{ fetch.body }}"
      source: |
        return { path: input.path, n: [1, 2, 3].reduce((a, b) => a + b, 0) }
  - id: escape
    type: code
    with: { source: "return typeof process + ':' + typeof require" }
  - id: spin
    type: code
    timeout_ms: 400
    with: { source: "while (true) {}" }
  - id: route
    type: switch
    needs: [lookup]
    when: "inputs.id > 0"
    with:
      cases:
        - { port: small, when: "inputs.id < 10" }
  - id: plus
    type: set
    with: { values: { n: "{{ inputs.label + 1 }}" } }
  - id: ask
    type: llm
    with: { credential: ai, model: m1, prompt: "Summarise {{ inputs.id }}" }
  - id: huge
    type: code
    with: { source: "return 'x'.repeat(5 * 1024 * 1024)" }
  - id: approve
    type: human
    needs: [fetch]
    with: { prompt: Approve? }
  - id: each
    type: foreach
    with: { items: "{{ [1, 2] }}" }
    nodes:
      - id: double
        type: set
        with: { values: { twice: "{{ item * 2 }}", at: "{{ index }}" } }
`;

const test = (node: string, scope?: Record<string, unknown>, tenant = 'acme') =>
  engine.client(tenant).nodes.test({ definition: flow(), node, ...(scope ? { scope } : {}) });

async function codeOf(call: Promise<unknown>): Promise<WeftError> {
  try {
    await call;
  } catch (e) {
    if (WeftError.is(e)) return e;
    throw e;
  }
  throw new Error('the call did not throw');
}

describe('engine.testNode', () => {
  it('runs an http node with the tenant credential against the scope, storing nothing', async () => {
    seen.length = 0;
    const r = await test('fetch', { inputs: { id: 7 }, lookup: { url: `${apiUrl}/items/7` } });
    expect(r).toMatchObject({
      status: 'succeeded',
      output: { status: 200, body: { path: '/items/7', authorized: true } },
    });
    expect(r.duration_ms).toBeGreaterThanOrEqual(0);
    expect(seen[0]?.headers.authorization).toBe('Bearer acme-token');
    // A fresh idempotency key per test: no run has it.
    expect(seen[0]?.headers['idempotency-key']).toMatch(/^node-test-[0-9a-f-]+:fetch$/);
    expect((await engine.store.listRuns({ tenant: 'acme', limit: 10 })).runs).toEqual([]);
  });

  it("does not see another tenant's credentials", async () => {
    seen.length = 0;
    const r = await test('fetch', { lookup: { url: `${apiUrl}/x` } }, 'globex');
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.error.code).toBe('credential_not_found');
    expect(seen).toEqual([]);
  });

  it("fails with the node's own timeout", async () => {
    const r = await test('slow');
    expect(r).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', message: 'attempt timed out after 300 ms', retryable: true },
    });
  });

  it('runs a code node in the sandbox: no host objects, and its time limit holds', async () => {
    const r = await test('sum', { fetch: { body: { path: '/items/7' } } });
    expect(r).toMatchObject({ status: 'succeeded', output: { path: '/items/7', n: 6 } });
    expect(await test('escape')).toMatchObject({ output: 'undefined:undefined' });
    const spin = await test('spin');
    expect(spin.status).toBe('failed');
    if (spin.status === 'failed') expect(['timeout', 'code_timeout']).toContain(spin.error.code);
  });

  it('runs an llm node against an OpenAI-compatible server', async () => {
    ai.script({ text: 'A short summary.' });
    const r = await test('ask', { inputs: { id: 3 } });
    expect(r).toMatchObject({ status: 'succeeded', output: { text: 'A short summary.' } });
    const body = ai.calls.bodies.at(-1) as { messages: { content: string }[] };
    expect(body.messages.at(-1)?.content).toBe('Summarise 3');
  });

  it('answers the port of a branching node, and says when its `when` would skip it', async () => {
    expect(await test('route', { inputs: { id: 3 } })).toMatchObject({
      status: 'succeeded',
      output: 'small',
      port: 'small',
    });
    const skipped = await test('route', { inputs: { id: 0 } });
    expect(skipped).toMatchObject({ status: 'succeeded', port: 'small', when: false });
  });

  it('fails with the expression error a run would record', async () => {
    const r = await test('plus', { inputs: { label: 'x' } });
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.error.code).toBe('expression_error');
    expect(r.error.message).toMatch(/"\+" operator must evaluate to a number/);
    // The same node in a run records the same error.
    const alone =
      'id: plus-only\nnodes:\n  - { id: plus, type: set, with: { values: { n: "{{ inputs.label + 1 }}" } } }\n';
    const run = await engine.run(alone, { input: { label: 'x' } });
    expect(run.nodes['plus']?.error).toMatchObject(r.error);
  });

  it('fails a node whose output is over the limit, as a run does', async () => {
    const r = await test('huge');
    expect(r).toMatchObject({
      status: 'failed',
      error: {
        code: 'output_too_large',
        message: expect.stringMatching(/more than 4194304 bytes/),
      },
    });
  });

  it("runs a state's action with the machine's context and event in the scope", async () => {
    const machine = `id: order
kind: state-machine
initial: open
context: { paid: 0 }
states:
  open:
    on: { PAY: paid }
  paid:
    entry:
      - id: receipt
        type: set
        with: { values: { text: "{{ state }}: {{ event.data.amount }} of {{ context.paid }}" } }
    type: final
`;
    const r = await engine.client('acme').nodes.test({
      definition: machine,
      node: 'receipt',
      scope: { context: { paid: 40 }, event: { type: 'PAY', data: { amount: 40 } }, state: 'paid' },
    });
    expect(r).toMatchObject({ status: 'succeeded', output: { text: 'paid: 40 of 40' } });
  });

  it('runs a node of a foreach body with item and index in the scope', async () => {
    expect(await test('double', { item: 21, index: 4 })).toMatchObject({
      status: 'succeeded',
      output: { twice: 42, at: 4 },
    });
  });

  it('refuses kinds that only a run drives, naming the kind and why', async () => {
    const human = await codeOf(test('approve'));
    expect(human.code).toBe('node_not_testable');
    expect(human.message).toMatch(/"approve" is a human node.*person to answer/);
    const each = await codeOf(test('each'));
    expect(each.code).toBe('node_not_testable');
    expect(each.message).toMatch(/foreach node.*`item` and `index`/);
  });

  it('refuses an unknown node by name, and an invalid definition with its position', async () => {
    const unknown = await codeOf(test('nope'));
    expect(unknown.code).toBe('invalid_request');
    expect(unknown.message).toMatch(/no node "nope"; its nodes: lookup, fetch/);
    const bad = await codeOf(
      engine.client('acme').nodes.test({
        definition: 'id: x\nnodes:\n  - { id: a, type: htp }\n',
        node: 'a',
      }),
    );
    expect(bad.code).toBe('invalid_definition');
    expect(bad.details).toEqual([
      expect.objectContaining({ path: 'nodes[0].type', line: 3, column: expect.any(Number) }),
    ]);
  });

  it('refuses a scope over the limit, or one that is not an object', async () => {
    const big = { inputs: { blob: 'x'.repeat(4 * 1024 * 1024 + 1) } };
    const tooLarge = await codeOf(test('plus', big));
    expect(tooLarge.code).toBe('payload_too_large');
    expect(tooLarge.message).toMatch(/scope is too large/);
    const notObject = await codeOf(
      engine.client('acme').nodes.test({
        definition: flow(),
        node: 'plus',
        scope: [1] as unknown as Record<string, unknown>,
      }),
    );
    expect(notObject.code).toBe('invalid_request');
  });
});
