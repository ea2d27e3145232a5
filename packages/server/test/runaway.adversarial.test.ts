/**
 * Runaway runs over HTTP (issue 17, section 3): a cycle of literal workflow ids is a 422 at
 * publish; a cycle through expressions and a cancelled tree end with a clear error or status while
 * `/healthz` answers and another run finishes. (The engine's tests cover the bound on the number
 * of child runs, with a small bound.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME, publish, startTestServer, waitFor, type TestServer } from './helpers.js';

type Json = Record<string, any>;

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

const call = (id: string, ref: string) =>
  `id: ${id}\nnodes:\n  - { id: call, type: subworkflow, with: { workflow: ${ref} } }\n`;

const publishRaw = (text: string) =>
  t.call('/v1/workflows', {
    method: 'POST',
    key: ACME,
    body: text,
    headers: { 'content-type': 'application/yaml' },
  });

/** While `work` goes on: /healthz answers 200 and an unrelated run succeeds. */
async function responsiveDuring<T>(work: Promise<T>): Promise<T> {
  await publish(t, 'id: other\nnodes:\n  - { id: a, type: noop }\n');
  const health = await fetch(`${t.url}/healthz`);
  expect(health.status).toBe(200);
  const other = await t.call('/v1/workflows/other/runs?wait=true', { key: ACME, json: {} });
  expect(((await other.json()) as Json)['status']).toBe('succeeded');
  return work;
}

describe('runaway runs over HTTP', () => {
  it('adversarial: a → b → a by id is a 422 naming the cycle, and a is not stored', async () => {
    await publish(t, call('b', 'a'));
    const res = await publishRaw(call('a', 'b'));
    expect(res.status).toBe(422);
    const err = ((await res.json()) as Json)['error'] as Json;
    expect(err['code']).toBe('invalid_definition');
    expect(err['message']).toContain(
      'workflow cycle a (nodes[0].with.workflow) → b (nodes[0].with.workflow) → a',
    );
    expect(err['details']).toEqual([expect.objectContaining({ path: 'nodes[0].with.workflow' })]);
    expect((await t.call('/v1/workflows/a', { key: ACME })).status).toBe(404);
  });

  it('adversarial: a cycle through an expression ends failed with child_depth_exceeded', async () => {
    await publish(t, call('a', `"{{ 'b' }}"`));
    await publish(t, call('b', 'a'));
    const started = t.call('/v1/workflows/a/runs?wait=true', { key: ACME, json: {} });
    const run = (await (await responsiveDuring(started)).json()) as Json;
    expect(run['status']).toBe('failed');
    expect(run['error']['code']).toBe('child_depth_exceeded');
    await waitFor(async () => (await t.engine.queueDepth()).running === 0);
  });

  it('adversarial: cancelling the root of a waiting tree cancels every run under it', async () => {
    await publish(t, 'id: leaf\nnodes:\n  - { id: hold, type: gate, with: { name: never } }\n');
    await publish(
      t,
      `id: mid\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [1, 2] }}", concurrency: 2, workflow: leaf } }\n`,
    );
    await publish(
      t,
      `id: top\nnodes:\n  - { id: each, type: foreach, with: { items: "{{ [1, 2, 3] }}", concurrency: 3, workflow: mid } }\n`,
    );
    const res = await t.call('/v1/workflows/top/runs', { key: ACME, json: {} });
    const id = ((await res.json()) as Json)['id'] as string;
    await waitFor(async () => (await t.engine.queueDepth()).running === 10);
    const cancelled = t.call(`/v1/runs/${id}/cancel`, { key: ACME, json: {} });
    expect((await responsiveDuring(cancelled)).status).toBe(200);
    await waitFor(async () => (await t.engine.queueDepth()).running === 0);
    const list = (await (await t.call('/v1/runs?limit=100', { key: ACME })).json()) as Json;
    const statuses = (list['runs'] as Json[])
      .filter((r) => r['workflow'] !== 'other')
      .map((r) => r['status']);
    expect(statuses).toEqual(Array(10).fill('cancelled'));
  });
});
