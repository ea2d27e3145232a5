/**
 * Runaway runs over HTTP (issue 17, section 3): a cycle of literal workflow ids is a 422 at
 * publish, naming the cycle.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME, publish, startTestServer, type TestServer } from './helpers.js';

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
});
