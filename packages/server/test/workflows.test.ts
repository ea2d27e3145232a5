/**
 * `/v1/workflows`: publishing as JSON and YAML, the validator's details, reading, deleting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME, publish, startTestServer, yaml, type TestServer } from './helpers.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

const hello = yaml`
id: hello
name: Hello
nodes:
  - { id: greet, type: set, with: { values: { text: "Hello {{ inputs.name }}" } } }
`;

describe('POST /v1/workflows', () => {
  it('publishes YAML: 201 with id and version; the same content again is 200 and keeps the version', async () => {
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: hello,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'hello', version: 1, created: true });
    const again = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: hello,
      headers: { 'content-type': 'text/yaml; charset=utf-8' },
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: 'hello', version: 1, created: false });
    const changed = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: hello.replace('Hello {{', 'Hi {{'),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(changed.status).toBe(201);
    expect(await changed.json()).toMatchObject({ version: 2 });
  });

  it('publishes JSON', async () => {
    const res = await t.call('/v1/workflows', {
      key: ACME,
      json: { id: 'j', nodes: [{ id: 'a', type: 'noop' }] },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'j', version: 1, created: true });
  });

  it('answers 422 with every problem, its path, line and column (YAML), as weft validate does', async () => {
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      headers: { 'content-type': 'application/yaml' },
      body: yaml`
id: bad
nodes:
  - { id: a, type: htp }
  - { id: a, type: noop }
`,
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      error: {
        code: string;
        message: string;
        details: { path: string; message: string; line?: number; column?: number }[];
      };
    };
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.length).toBeGreaterThanOrEqual(2);
    const unknown = body.error.details.find((d) => /htp/.test(d.message));
    expect(unknown).toMatchObject({ path: 'nodes[0].type', line: 3 });
    expect(unknown?.column).toBeGreaterThan(1);
    expect(
      body.error.details.some((d) => d.path.startsWith('nodes[1]') && /duplicate/i.test(d.message)),
    ).toBe(true);
  });

  it('publishes a state-machine workflow', async () => {
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      headers: { 'content-type': 'application/yaml' },
      body: yaml`
id: order
kind: state-machine
initial: created
states:
  created: { on: { PAY: paid } }
  paid: { type: final }
`,
    });
    expect(res.status).toBe(201);
    expect((await t.call('/v1/workflows/order', { key: ACME })).status).toBe(200);
  });

  it('answers 422 for a child workflow named by file path, naming the node; by id it publishes', async () => {
    const parent = (ref: string, loopRef: string) => yaml`
id: parent
nodes:
  - { id: a, type: noop }
  - { id: b, type: noop }
  - { id: child, type: subworkflow, with: { workflow: ${ref} } }
  - id: each
    type: foreach
    with: { items: "{{ [1, 2] }}" }
    nodes:
      - { id: call, type: subworkflow, with: { workflow: ${loopRef} } }
`;
    const send = (body: string) =>
      t.call('/v1/workflows', {
        method: 'POST',
        key: ACME,
        body,
        headers: { 'content-type': 'application/yaml' },
      });
    const res = await send(parent('./hello.yaml', 'flows/other'));
    expect(res.status).toBe(422);
    const message =
      'a file path cannot be resolved on the server; publish that workflow and name it by id';
    const { error } = (await res.json()) as Record<string, any>;
    expect(error['code']).toBe('invalid_definition');
    expect(error['message']).toContain(`nodes[2].with.workflow: ${message}`);
    expect(error['details']).toEqual([
      { path: 'nodes[2].with.workflow', message },
      { path: 'nodes[3].nodes[0].with.workflow', message },
    ]);
    expect((await t.call('/v1/workflows/parent', { key: ACME })).status).toBe(404);

    await publish(t, hello);
    const byId = await send(parent('hello', 'hello'));
    expect(byId.status).toBe(201);
    const run = await t.call('/v1/workflows/parent/runs?wait=true', {
      key: ACME,
      json: { input: {} },
    });
    expect(((await run.json()) as Record<string, any>)['status']).toBe('succeeded');
  });

  it('gives JSON definitions line and column too', async () => {
    const text = '{\n  "id": "bad",\n  "nodes": [\n    { "id": "a", "type": "nope" }\n  ]\n}\n';
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { details: { path: string; line?: number }[] } };
    expect(body.error.details[0]).toMatchObject({ path: 'nodes[0].type', line: 4 });
  });

  it('answers 400 for malformed JSON, with the position', async () => {
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: '{\n  "id": "x",\n  "nodes": [,]\n}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { line?: number }[] } };
    expect(body.error.code).toBe('malformed_json');
    expect(body.error.details[0]?.line).toBe(3);
  });

  it('answers 415 for another media type', async () => {
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: hello,
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'unsupported_media_type',
    );
  });
});

describe('reading and deleting', () => {
  it('lists workflows and reads the latest and a given version', async () => {
    await publish(t, hello);
    await publish(t, hello.replace('Hello {{', 'Hi {{'));
    const list = await t.call('/v1/workflows', { key: ACME });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      workflows: [
        {
          id: 'hello',
          name: 'Hello',
          latest_version: 2,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ],
    });
    const latest = (await (await t.call('/v1/workflows/hello', { key: ACME })).json()) as Record<
      string,
      unknown
    >;
    expect(latest).toMatchObject({ id: 'hello', version: 2, name: 'Hello' });
    expect(latest['source']).toContain('Hi {{');
    expect((latest['definition'] as { nodes: unknown[] }).nodes).toHaveLength(1);
    const v1 = await t.call('/v1/workflows/hello/versions/1', { key: ACME });
    expect(v1.status).toBe(200);
    expect(((await v1.json()) as { source: string }).source).toContain('Hello {{');
  });

  it('answers 404 for a missing workflow, version or malformed id', async () => {
    await publish(t, hello);
    for (const path of [
      '/v1/workflows/nope',
      '/v1/workflows/hello/versions/7',
      '/v1/workflows/hello/versions/x',
      '/v1/workflows/Bad%20Id',
    ]) {
      const res = await t.call(path, { key: ACME });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('deletes a workflow (204) and keeps its runs; a second delete is 404', async () => {
    await publish(t, hello);
    const started = (await (
      await t.call('/v1/workflows/hello/runs?wait=true', {
        key: ACME,
        json: { input: { name: 'A' } },
      })
    ).json()) as { id: string };
    const del = await t.call('/v1/workflows/hello', { method: 'DELETE', key: ACME });
    expect(del.status).toBe(204);
    expect((await t.call('/v1/workflows/hello', { key: ACME })).status).toBe(404);
    expect((await t.call('/v1/workflows/hello', { method: 'DELETE', key: ACME })).status).toBe(404);
    const run = await t.call(`/v1/runs/${started.id}`, { key: ACME });
    expect(run.status).toBe(200);
    expect(((await run.json()) as { status: string }).status).toBe('succeeded');
  });
});
