/**
 * Auth over every route of the OpenAPI document, from a table: no key and a bad key are 401;
 * another tenant's key finds nothing (404 on ids, empty lists) and changes nothing; the owner's
 * key works. The table must name exactly the document's routes, so a new route fails this test
 * until it gets its auth case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../weft/src/index.js';
import { ACME, GLOBEX, publish, startTestServer, yaml, type TestServer } from './helpers.js';

type Json = Record<string, any>;

/**
 * What each case works on: a fresh workflow of acme's (with a signed webhook trigger), a run of it
 * waiting for an answer, and a credential.
 */
interface Fixture {
  workflow: string;
  run: string;
  credential: string;
  hook: string;
}

const HOOK_SECRET = 'whsec-auth-matrix';

interface Case {
  /**
   * `public`: no key needed; `id`: another tenant gets 404; `list`: another tenant's list does
   * not hold the owner's fixture; `create`: another tenant creates its own, invisible to the owner;
   * `global`: any tenant's key (the server's metrics); `own`: any tenant's key, each answered
   * with what it holds (`answer` tells the owner's from another's).
   */
  kind: 'public' | 'id' | 'list' | 'create' | 'global' | 'own';
  request(f: Fixture): { path: string; init?: RequestInit & { json?: unknown } };
  /** Status for the owner (acme). */
  owner: number;
  /** For `list`: the list in the answer (its items have an id or a name). */
  items?: (body: Json) => unknown[];
  /** For `own`: what the answer says, the same for the owner and for another tenant's key. */
  answer?: (body: Json, owner: boolean) => void;
  /** For `create`: what another tenant made, and the owner's list it must not be in. */
  created?: { id: (f: Fixture) => string; list: string; items: (body: Json) => Json[] };
}

const post = (json?: unknown) =>
  json === undefined ? { method: 'POST' } : { method: 'POST', json };

const TABLE: Record<string, Case> = {
  'GET /healthz': { kind: 'public', request: () => ({ path: '/healthz' }), owner: 200 },
  'POST /v1/workflows': {
    kind: 'create',
    request: (f) => ({
      path: '/v1/workflows',
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: `id: ${f.workflow}-x\nnodes: [{ id: a, type: noop }]\n`,
      },
    }),
    owner: 201,
    created: { id: (f) => `${f.workflow}-x`, list: '/v1/workflows', items: (b) => b['workflows'] },
  },
  'GET /v1/workflows': {
    kind: 'list',
    request: () => ({ path: '/v1/workflows' }),
    owner: 200,
    items: (b) => b['workflows'],
  },
  'GET /v1/workflows/{id}': {
    kind: 'id',
    request: (f) => ({ path: `/v1/workflows/${f.workflow}` }),
    owner: 200,
  },
  'DELETE /v1/workflows/{id}': {
    kind: 'id',
    request: (f) => ({ path: `/v1/workflows/${f.workflow}`, init: { method: 'DELETE' } }),
    owner: 204,
  },
  'GET /v1/workflows/{id}/versions/{v}': {
    kind: 'id',
    request: (f) => ({ path: `/v1/workflows/${f.workflow}/versions/1` }),
    owner: 200,
  },
  'POST /v1/workflows/{id}/runs': {
    kind: 'id',
    request: (f) => ({ path: `/v1/workflows/${f.workflow}/runs`, init: post({}) }),
    owner: 201,
  },
  'GET /v1/runs': {
    kind: 'list',
    request: () => ({ path: '/v1/runs' }),
    owner: 200,
    items: (b) => b['runs'],
  },
  'GET /v1/runs/{id}': { kind: 'id', request: (f) => ({ path: `/v1/runs/${f.run}` }), owner: 200 },
  'GET /v1/runs/{id}/events': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}/events` }),
    owner: 200,
  },
  'POST /v1/runs/{id}/events': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}/events`, init: post({ type: 'GO' }) }),
    owner: 409,
  },
  'POST /v1/runs/{id}/pause': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}/pause`, init: post() }),
    owner: 200,
  },
  'POST /v1/runs/{id}/resume': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}/resume`, init: post() }),
    owner: 409,
  },
  'POST /v1/runs/{id}/cancel': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}/cancel`, init: post() }),
    owner: 200,
  },
  'POST /v1/runs/{id}/retry': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}/retry`, init: post({}) }),
    owner: 409,
  },
  // The fixture's run waits: deleting it is refused to its owner, and unseen by anyone else.
  'DELETE /v1/runs/{id}': {
    kind: 'id',
    request: (f) => ({ path: `/v1/runs/${f.run}`, init: { method: 'DELETE' } }),
    owner: 409,
  },
  // Each tenant prunes its own finished runs only.
  'POST /v1/runs/prune': {
    kind: 'global',
    request: () => ({ path: '/v1/runs/prune', init: post({ older_than_ms: 0 }) }),
    owner: 200,
  },
  'PUT /v1/credentials/{name}': {
    kind: 'create',
    request: (f) => ({
      path: `/v1/credentials/${f.workflow}-x`,
      init: { method: 'PUT', json: { type: 'bearer', value: 'tok-123' } },
    }),
    owner: 201,
    created: {
      id: (f) => `${f.workflow}-x`,
      list: '/v1/credentials',
      items: (b) => b['credentials'],
    },
  },
  'GET /v1/credentials': {
    kind: 'list',
    request: () => ({ path: '/v1/credentials' }),
    owner: 200,
    items: (b) => b['credentials'],
  },
  'DELETE /v1/credentials/{name}': {
    kind: 'id',
    request: (f) => ({ path: `/v1/credentials/${f.credential}`, init: { method: 'DELETE' } }),
    owner: 204,
  },
  'POST /v1/hooks/{tenant}/{path}': {
    kind: 'public',
    request: (f) => {
      const body = JSON.stringify({ from: 'auth' });
      return {
        path: `/v1/hooks/acme/${f.hook}`,
        init: {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-weft-signature': signWebhook(HOOK_SECRET, body),
          },
        },
      };
    },
    owner: 202,
  },
  'GET /metrics': { kind: 'global', request: () => ({ path: '/metrics' }), owner: 200 },
  // A node test uses the key's tenant's credentials: another tenant's key does not find acme's.
  'POST /v1/nodes/test': {
    kind: 'own',
    request: (f) => ({
      path: '/v1/nodes/test',
      init: post({
        definition: `id: t\nnodes:\n  - { id: a, type: http, with: { url: "http://127.0.0.1:1/", credential: ${f.credential} } }\n`,
        node: 'a',
      }),
    }),
    owner: 200,
    answer: (body, owner) => {
      expect(body['status']).toBe('failed');
      if (owner) expect(body['error']['code']).not.toBe('credential_not_found');
      else expect(body['error']['code']).toBe('credential_not_found');
    },
  },
  'POST /v1/runs/{id}/input': {
    kind: 'id',
    request: (f) => ({
      path: `/v1/runs/${f.run}/input`,
      init: post({ node: 'ask', value: 'yes' }),
    }),
    owner: 200,
  },
};

let t: TestServer;
let doc: Json;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
  doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as Json;
});
afterAll(async () => {
  await t.close();
});

async function fixture(): Promise<Fixture> {
  const workflow = `owned-${++n}`;
  const hook = `hooks/owned-${n}`;
  await publish(
    t,
    yaml`
id: ${workflow}
triggers:
  - { type: webhook, path: ${hook}, secret: ${HOOK_SECRET} }
nodes:
  - { id: ask, type: human, with: { prompt: "?" } }
`,
  );
  const res = await t.call(`/v1/workflows/${workflow}/runs?wait=true`, { key: ACME, json: {} });
  const run = ((await res.json()) as Json)['id'] as string;
  const credential = `${workflow}-cred`;
  const put = await t.call(`/v1/credentials/${credential}`, {
    method: 'PUT',
    key: ACME,
    json: { type: 'header', name: 'x-token', value: 'v-1' },
  });
  expect(put.status).toBe(201);
  return { workflow, run, credential, hook };
}

async function send(
  c: Case,
  f: Fixture,
  key: string | undefined,
  extra: Record<string, string> = {},
): Promise<Response> {
  const { path, init = {} } = c.request(f);
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return t.call(path, { ...init, headers, ...(key === undefined ? {} : { key }) });
}

/** `METHOD /path` of every operation in the OpenAPI document. */
function documentedRoutes(): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc['paths'] as Json)) {
    for (const method of Object.keys(item as Json)) out.push(`${method.toUpperCase()} ${path}`);
  }
  return out.sort();
}

describe('auth matrix', () => {
  it('has a case for every route of the OpenAPI document, and no other', () => {
    expect(Object.keys(TABLE).sort()).toEqual(documentedRoutes());
  });

  it('marks exactly the public routes as needing no key in the document', () => {
    for (const [route, c] of Object.entries(TABLE)) {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc['paths'][path][method.toLowerCase()] as Json;
      expect(op['security'], route).toEqual(c.kind === 'public' ? [] : undefined);
    }
    expect(doc['security']).toEqual([{ bearer: [] }]);
  });

  for (const [route, c] of Object.entries(TABLE)) {
    it(`${route}: no key, bad key, another tenant's key, the owner's key`, async () => {
      const f = await fixture();
      const expectError = async (res: Response, status: number, code: string) => {
        expect(res.status, route).toBe(status);
        expect(((await res.json()) as Json)['error']['code'], route).toBe(code);
      };
      if (c.kind === 'public') {
        // A hook's signature authenticates it, whatever the key: without one it is refused.
        if (route.startsWith('POST /v1/hooks/')) {
          const unsigned = await send(c, f, ACME, { 'x-weft-signature': '' });
          await expectError(unsigned, 401, 'unauthorized');
          expect(unsigned.headers.get('www-authenticate')).toBeNull();
        }
        expect((await send(c, f, undefined)).status).toBe(c.owner);
        expect((await send(c, f, 'wrong-key')).status).toBe(c.owner);
      } else {
        const none = await send(c, f, undefined);
        await expectError(none, 401, 'unauthorized');
        expect(none.headers.get('www-authenticate')).toBe('Bearer');
        await expectError(await send(c, f, 'wrong-key'), 401, 'unauthorized');
        await expectError(
          await send(c, f, undefined, { authorization: `Basic ${btoa(`acme:${ACME}`)}` }),
          401,
          'unauthorized',
        );
      }

      const other = await send(c, f, GLOBEX);
      switch (c.kind) {
        case 'id':
          await expectError(other, 404, 'not_found');
          if (route.startsWith('GET /v1/runs/{id}/events')) {
            await expectError(
              await send(c, f, GLOBEX, { accept: 'text/event-stream' }),
              404,
              'not_found',
            );
          }
          break;
        case 'list': {
          expect(other.status).toBe(200);
          const ids = (res: Json) =>
            c.items!(res).map((x) => ((x as Json)['id'] ?? (x as Json)['name']) as string);
          const theirs = ids((await other.json()) as Json);
          const mine = ids((await (await send(c, f, ACME)).json()) as Json);
          for (const id of [f.workflow, f.run, f.credential]) expect(theirs).not.toContain(id);
          expect(mine.some((id) => [f.workflow, f.run, f.credential].includes(id))).toBe(true);
          break;
        }
        case 'create': {
          expect(other.status).toBe(201);
          const { id, list, items } = c.created!;
          const mine = (await (await t.call(list, { key: ACME })).json()) as Json;
          expect(items(mine).map((x) => x['id'] ?? x['name'])).not.toContain(id(f));
          break;
        }
        case 'own': {
          expect(other.status).toBe(200);
          c.answer!((await other.json()) as Json, false);
          c.answer!((await (await send(c, f, ACME)).json()) as Json, true);
          break;
        }
        case 'public':
        case 'global':
          expect(other.status).toBe(c.owner);
          break;
      }
      // Nothing another tenant did changed acme's run or workflow.
      expect((await t.engine.get(f.run))?.status).toBe('waiting');
      expect((await t.call(`/v1/workflows/${f.workflow}`, { key: ACME })).status).toBe(200);
      const creds = (await (await t.call('/v1/credentials', { key: ACME })).json()) as Json;
      expect(creds['credentials'].map((x: Json) => x['name'])).toContain(f.credential);

      expect((await send(c, f, ACME)).status, route).toBe(c.owner);
    });
  }
});
