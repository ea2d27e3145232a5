/**
 * `/v1/credentials` over real HTTP: 201 when created, 200 when replaced, answers and lists with
 * names, types and times only; 404 for a missing one; 422 for bad shapes without quoting values;
 * per tenant. The stored value is what nodes get at call time.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACME, GLOBEX, publish, startTestServer, yaml, type TestServer } from './helpers.js';

type Json = Record<string, any>;

const CANARY = 'canary-cred-4e1f9a7c2b3d';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const put = (s: TestServer, name: string, json: unknown, key = ACME) =>
  s.call(`/v1/credentials/${name}`, { method: 'PUT', key, json });

describe('credentials', () => {
  it('creates (201), replaces (200), lists and deletes, never answering a value', async () => {
    t = await startTestServer();
    const created = await put(t, 'github', { type: 'bearer', value: CANARY });
    expect(created.status).toBe(201);
    const first = (await created.json()) as Json;
    expect(Object.keys(first).sort()).toEqual(['created_at', 'name', 'type', 'updated_at']);
    expect(first).toMatchObject({ name: 'github', type: 'bearer' });

    await new Promise((r) => setTimeout(r, 5));
    const replaced = await put(t, 'github', {
      type: 'basic',
      username: 'octo',
      password: CANARY,
    });
    expect(replaced.status).toBe(200);
    const second = (await replaced.json()) as Json;
    expect(second).toMatchObject({
      name: 'github',
      type: 'basic',
      created_at: first['created_at'],
    });
    expect(second['updated_at'] > first['updated_at']).toBe(true);

    expect((await put(t, 'hdr', { type: 'header', name: 'X-Api-Key', value: CANARY })).status).toBe(
      201,
    );
    expect(
      (
        await put(t, 'llm', {
          type: 'openai',
          base_url: 'https://api.example.com/v1',
          api_key: CANARY,
        })
      ).status,
    ).toBe(201);

    const listed = await t.call('/v1/credentials', { key: ACME });
    expect(listed.status).toBe(200);
    const text = await listed.text();
    expect(text).not.toContain(CANARY);
    const list = (JSON.parse(text) as Json)['credentials'] as Json[];
    expect(list.map((c) => [c['name'], c['type']])).toEqual([
      ['github', 'basic'],
      ['hdr', 'header'],
      ['llm', 'openai'],
    ]);
    for (const c of list) {
      expect(Object.keys(c).sort()).toEqual(['created_at', 'name', 'type', 'updated_at']);
    }

    // Per tenant: globex sees none of them and cannot delete them.
    const theirs = (await (await t.call('/v1/credentials', { key: GLOBEX })).json()) as Json;
    expect(theirs['credentials']).toEqual([]);
    expect((await t.call('/v1/credentials/github', { method: 'DELETE', key: GLOBEX })).status).toBe(
      404,
    );

    const deleted = await t.call('/v1/credentials/github', { method: 'DELETE', key: ACME });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const again = await t.call('/v1/credentials/github', { method: 'DELETE', key: ACME });
    expect(again.status).toBe(404);
    expect(((await again.json()) as Json)['error']['code']).toBe('not_found');
  });

  it('refuses bad shapes and names with 422 naming the field, never the value', async () => {
    t = await startTestServer();
    const bad: [string, unknown, string][] = [
      ['a', { type: 'bearer' }, 'value'],
      ['a', { type: 'bearer', value: '' }, 'value'],
      ['a', { type: 'bearer', value: 42 }, 'value'],
      ['a', { type: 'token', value: CANARY }, 'type'],
      ['a', { type: 'bearer', value: CANARY, extra: CANARY }, ''],
      ['a', { type: 'basic', username: 'u', password: `${CANARY}\nX-Injected: 1` }, 'password'],
      ['a', { type: 'header', name: 'bad header', value: CANARY }, 'name'],
      [
        'a',
        { type: 'openai', base_url: `https://u:${CANARY}@x.example`, api_key: CANARY },
        'base_url',
      ],
      ['not a name!', { type: 'bearer', value: CANARY }, 'name'],
      ['a', CANARY, ''],
    ];
    for (const [name, body, path] of bad) {
      const res = await put(t, encodeURIComponent(name), body);
      const text = await res.text();
      expect(res.status, text).toBe(422);
      expect(text).not.toContain(CANARY);
      const error = (JSON.parse(text) as Json)['error'];
      expect(error['code']).toBe('invalid_request');
      expect(error['details'].map((d: Json) => d['path'])).toContain(path);
    }
    const malformed = await t.call('/v1/credentials/a', {
      method: 'PUT',
      key: ACME,
      body: `{"type":"bearer","value":"${CANARY}"`,
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toContain(CANARY);
    const form = await t.call('/v1/credentials/a', {
      method: 'PUT',
      key: ACME,
      body: `value=${CANARY}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(
      ((await (await t.call('/v1/credentials', { key: ACME })).json()) as Json)['credentials'],
    ).toEqual([]);
  });
});

describe('credentials in use', () => {
  let echo: Server;
  let origin: string;
  const seen: IncomingHttpHeaders[] = [];
  let savedAllow: string | undefined;

  beforeAll(async () => {
    savedAllow = process.env['WEFT_HTTP_ALLOW'];
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    echo = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
    else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
    echo.closeAllConnections();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('an http node sends the credential stored through the API; the run shows none of it', async () => {
    t = await startTestServer();
    await put(t, 'api', { type: 'bearer', value: CANARY });
    await publish(
      t,
      yaml`
id: call
nodes:
  - { id: get, type: http, with: { url: "${origin}/x", credential: api } }
`,
    );
    const res = await t.call('/v1/workflows/call/runs?wait=true', { key: ACME, json: {} });
    const text = await res.text();
    expect((JSON.parse(text) as Json)['status']).toBe('succeeded');
    expect(seen.at(-1)?.['authorization']).toBe(`Bearer ${CANARY}`);
    expect(text).not.toContain(CANARY);
    const { id } = JSON.parse(text) as Json;
    expect(await (await t.call(`/v1/runs/${id}/events`, { key: ACME })).text()).not.toContain(
      CANARY,
    );
  });
});
