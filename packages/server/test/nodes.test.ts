/**
 * `POST /v1/nodes/test` over real HTTP: the node's output or failure as 200 answers, the request's
 * problems in the API's error shape (positions for an invalid definition), the body limits, the
 * API key's tenant, and a node stopped when its caller goes away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACME, aborted, slept, startTestServer, waitFor, type TestServer } from './helpers.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Json = Record<string, any>;

const flow = `id: quote
nodes:
  - id: price
    type: set
    with: { values: { total: "{{ inputs.qty * 3 }}" } }
  - { id: broken, type: boom, with: { code: Broke } }
  - { id: nap, type: sleep, with: { ms: 60000 } }
  - { id: ask, type: human, needs: [price], with: { prompt: OK? } }
`;

const post = (body: unknown, key: string | null = ACME) =>
  t!.call('/v1/nodes/test', { ...(key === null ? {} : { key }), json: body });

describe('POST /v1/nodes/test', () => {
  it("answers the node's output or its failure with 200; a YAML string or an object", async () => {
    t = await startTestServer();
    const ok = await post({ definition: flow, node: 'price', scope: { inputs: { qty: 2 } } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      status: 'succeeded',
      output: { total: 6 },
      duration_ms: expect.any(Number),
    });
    const object = { id: 'one', nodes: [{ id: 'a', type: 'set', with: { values: { n: 1 } } }] };
    expect(await (await post({ definition: object, node: 'a' })).json()).toMatchObject({
      status: 'succeeded',
      output: { n: 1 },
    });
    const failed = await post({ definition: flow, node: 'broken' });
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({
      status: 'failed',
      error: { code: 'Broke', message: 'it went boom' },
    });
    expect(((await (await t.call('/v1/runs', { key: ACME })).json()) as Json)['runs']).toEqual([]);
  });

  it('answers an invalid definition as publishing does: 422 with line and column', async () => {
    t = await startTestServer();
    const definition = 'id: x\nnodes:\n  - { id: a, type: htp }\n';
    const res = await post({ definition, node: 'a' });
    const published = await t.call('/v1/workflows', {
      key: ACME,
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: definition,
    });
    expect(res.status).toBe(422);
    expect(res.status).toBe(published.status);
    const body = (await res.json()) as Json;
    expect(body).toEqual(await published.json());
    expect(body['error']['code']).toBe('invalid_definition');
    expect(body['error']['details'][0]).toMatchObject({ path: 'nodes[0].type', line: 3 });
  });

  it('refuses an unknown node, a node that cannot run alone, and a body without a node', async () => {
    t = await startTestServer();
    const unknown = await post({ definition: flow, node: 'nope' });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as Json)['error']).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/no node "nope"; its nodes: price, broken, nap, ask/),
    });
    const human = await post({ definition: flow, node: 'ask' });
    expect(human.status).toBe(422);
    expect(((await human.json()) as Json)['error']).toMatchObject({
      code: 'node_not_testable',
      message: expect.stringMatching(/"ask" is a human node/),
    });
    const noNode = await post({ definition: flow });
    expect(noNode.status).toBe(422);
    expect(((await noNode.json()) as Json)['error']['details']).toEqual([
      { path: 'node', message: 'is required' },
    ]);
  });

  it('refuses a scope over 4 MiB with 413, and needs an API key', async () => {
    t = await startTestServer();
    const scope = { inputs: { qty: 1, blob: 'x'.repeat(4 * 1024 * 1024) } };
    const big = await post({ definition: flow, node: 'price', scope });
    expect(big.status).toBe(413);
    expect(((await big.json()) as Json)['error']).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/scope is too large/),
    });
    expect((await post({ definition: flow, node: 'price' }, null)).status).toBe(401);
  });

  it('stops the node when its caller goes away', async () => {
    t = await startTestServer();
    const gone = new AbortController();
    const call = t
      .call('/v1/nodes/test', {
        key: ACME,
        json: { definition: flow, node: 'nap' },
        signal: gone.signal,
      })
      .catch(() => undefined);
    await waitFor(() => slept.includes('nap'));
    gone.abort();
    await call;
    await waitFor(() => aborted.includes('nap'));
  });
});
