/**
 * `POST /v1/workflows` takes Serverless Workflow 1.0 documents (YAML or JSON) as it takes Weft's:
 * published as the graph they compile to and run like any workflow; their problems answered 422
 * with the document's paths, lines and columns.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACME, startTestServer, type TestServer } from './helpers.js';

const source = readFileSync(
  new URL('../../../examples/paint-order.sw.yaml', import.meta.url),
  'utf8',
);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

it('publishes a document (YAML) and runs it', async () => {
  const res = await t.call('/v1/workflows', {
    method: 'POST',
    key: ACME,
    headers: { 'content-type': 'application/yaml' },
    body: source,
  });
  expect(res.status).toBe(201);
  expect(await res.json()).toMatchObject({ id: 'paint-order', version: 1 });
  const run = await t.call('/v1/workflows/paint-order/runs?wait=true', {
    key: ACME,
    json: { input: { colors: ['green'], rush: true } },
  });
  expect(await run.json()).toMatchObject({
    status: 'succeeded',
    output: { summary: '1 colors, 15 EUR, express', total: 15 },
  });
});

it('takes the same document as JSON: the same graph, so the same version', async () => {
  const doc = parse(source) as Record<string, unknown>;
  const res = await t.call('/v1/workflows', { method: 'POST', key: ACME, json: doc });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ id: 'paint-order', version: 1, created: false });
});

it("answers 422 with the document's positions", async () => {
  const res = await t.call('/v1/workflows', {
    method: 'POST',
    key: ACME,
    headers: { 'content-type': 'application/yaml' },
    body: "document: { dsl: '1.0.3', namespace: x, name: y, version: '1.0.0' }\ndo:\n  - a:\n      set: { n: '${ .n + }' }\n",
  });
  expect(res.status).toBe(422);
  const body = (await res.json()) as { error: { details: { path: string; line?: number }[] } };
  expect(body.error.details[0]).toMatchObject({ path: 'do[0].a.set.n', line: 4 });
});
