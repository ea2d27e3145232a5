/**
 * Webhooks over real HTTP: `/v1/hooks/{tenant}/{path}` needs no API key; a hook with a secret is
 * authenticated by the HMAC signature over the exact bytes sent. Unsigned, badly signed, stale and
 * replayed requests start no run; a redelivered event id starts none; a good one starts one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../weft/src/index.js';
import {
  ACME,
  GLOBEX,
  openGate,
  publish,
  startTestServer,
  yaml,
  type TestServer,
} from './helpers.js';

type Json = Record<string, any>;

const SECRET = 'whsec-0123456789-test';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function runsOf(s: TestServer, workflow: string, tenant = 'acme'): Promise<Json[]> {
  return (await s.engine.store.listRuns({ tenant, workflowId: workflow, limit: 1000 })).runs;
}

/** POSTs `body` to a hook, signed with `secret` unless `signature` is given. */
function hook(
  s: TestServer,
  path: string,
  body: string,
  o: {
    secret?: string;
    signature?: string;
    headers?: Record<string, string>;
    method?: string;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
  const signature =
    o.signature ?? (o.secret === undefined ? undefined : signWebhook(o.secret, body));
  if (signature !== undefined) headers['x-weft-signature'] = signature;
  return fetch(`${s.url}/v1/hooks/${path}`, {
    method: o.method ?? 'POST',
    headers,
    ...(o.method === 'GET' ? {} : { body }),
  });
}

const signedFlow = yaml`
id: orders
triggers:
  - { type: webhook, path: orders/new, secret: ${SECRET} }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;

async function expectRefused(res: Response, reason: string): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBeNull();
  const body = (await res.json()) as Json;
  expect(body['error']['code']).toBe('unauthorized');
  expect(body['error']['details']).toEqual([{ path: 'X-Weft-Signature', message: reason }]);
}

describe('signed webhooks', () => {
  it('unsigned, malformed, badly signed, stale and replayed requests start no run', async () => {
    t = await startTestServer();
    await publish(t, signedFlow);
    const body = '{"order":42}';

    await expectRefused(await hook(t, 'acme/orders/new', body), 'missing_signature');
    await expectRefused(
      await hook(t, 'acme/orders/new', body, { signature: 'sha256=abc' }),
      'malformed_signature',
    );
    await expectRefused(
      await hook(t, 'acme/orders/new', body, { secret: 'whsec-wrong-secret' }),
      'bad_signature',
    );
    // Signed over other bytes than those sent.
    await expectRefused(
      await hook(t, 'acme/orders/new', body, { signature: signWebhook(SECRET, '{"order":43}') }),
      'bad_signature',
    );
    const old = Math.floor(Date.now() / 1000) - 600;
    await expectRefused(
      await hook(t, 'acme/orders/new', body, { signature: signWebhook(SECRET, body, old) }),
      'stale_signature',
    );
    // An API key changes nothing: the signature is what counts.
    const withKey = await fetch(`${t.url}/v1/hooks/acme/orders/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME}`, 'content-type': 'application/json' },
      body,
    });
    await expectRefused(withKey, 'missing_signature');
    expect(await runsOf(t, 'orders')).toHaveLength(0);

    // A good one starts one run, with the body as its input.
    const signature = signWebhook(SECRET, body);
    const good = await hook(t, 'acme/orders/new', body, { signature });
    expect(good.status).toBe(202);
    const accepted = (await good.json()) as Json;
    expect(accepted).toEqual({ id: expect.any(String), duplicate: false });
    const run = await t.engine.wait(accepted['id']);
    expect(run).toMatchObject({ status: 'succeeded', input: { order: 42 }, output: { order: 42 } });

    // The same request again (a replay inside the window) answers the same run and starts none.
    const replay = await hook(t, 'acme/orders/new', body, { signature });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ id: accepted['id'], duplicate: true });
    expect(await runsOf(t, 'orders')).toHaveLength(1);
  });

  it('a redelivered event id answers the first run and starts none', async () => {
    t = await startTestServer();
    await publish(t, signedFlow);
    const first = await hook(t, 'acme/orders/new', '{"order":1}', {
      secret: SECRET,
      headers: { 'x-weft-delivery': 'evt_0001' },
    });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as Json;
    // Redelivered later: freshly signed (another timestamp), same event id.
    const again = await hook(t, 'acme/orders/new', '{"order":1}', {
      signature: signWebhook(SECRET, '{"order":1}', Math.floor(Date.now() / 1000) - 5),
      headers: { 'x-weft-delivery': 'evt_0001' },
    });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id, duplicate: true });
    // Idempotency-Key works the same way; another id is another run. Signed at another time: the
    // same signed request under another id would be a replay (webhook-replay.adversarial.test.ts).
    const other = await hook(t, 'acme/orders/new', '{"order":1}', {
      signature: signWebhook(SECRET, '{"order":1}', Math.floor(Date.now() / 1000) - 10),
      headers: { 'idempotency-key': 'evt_0002' },
    });
    expect(((await other.json()) as Json)['id']).not.toBe(id);
    expect(await runsOf(t, 'orders')).toHaveLength(2);
    // A malformed delivery id is refused before anything starts.
    const bad = await hook(t, 'acme/orders/new', '{"order":1}', {
      secret: SECRET,
      headers: { 'x-weft-delivery': 'x'.repeat(300) },
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as Json)['error']['code']).toBe('invalid_request');
    expect(await runsOf(t, 'orders')).toHaveLength(2);
  });

  it('checks the signature over the exact bytes received, an empty body included', async () => {
    t = await startTestServer();
    await publish(t, signedFlow);
    // Odd spacing and key order: re-serialising would change the bytes and break the signature.
    const body = '{ "b" : 2,\n  "a":1 }';
    const res = await hook(t, 'acme/orders/new', body, { secret: SECRET });
    expect(res.status).toBe(202);
    const run = await t.engine.wait(((await res.json()) as Json)['id']);
    expect(run.input).toEqual({ b: 2, a: 1 });
    // A JSON content type with no body: signed over nothing, input {}.
    const empty = await fetch(`${t.url}/v1/hooks/acme/orders/new`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-weft-signature': signWebhook(SECRET, '') },
    });
    expect(empty.status).toBe(202);
    expect((await t.engine.wait(((await empty.json()) as Json)['id'])).input).toEqual({});
    // Not JSON: the text is the input.
    const text = await fetch(`${t.url}/v1/hooks/acme/orders/new`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-weft-signature': signWebhook(SECRET, 'hello') },
      body: 'hello',
    });
    expect(text.status).toBe(202);
    expect((await t.engine.wait(((await text.json()) as Json)['id'])).input).toBe('hello');
  });
});

describe('webhook routing and answers', () => {
  it('serves hooks per tenant and method; unknown ones are 404', async () => {
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: ping
triggers:
  - { type: webhook, path: ping, method: PUT }
nodes:
  - { id: a, type: noop }
`,
    );
    await publish(
      t,
      yaml`
id: theirs
triggers:
  - { type: webhook, path: theirs }
nodes:
  - { id: a, type: noop }
`,
      GLOBEX,
    );
    const put = await hook(t, 'acme/ping', '{}', { method: 'PUT' });
    expect(put.status).toBe(202);
    const post = await hook(t, 'acme/ping', '{}');
    expect(post.status).toBe(404);
    expect(((await post.json()) as Json)['error']['code']).toBe('not_found');
    // Another tenant's hook under this tenant's name, and the reverse: not found.
    expect((await hook(t, 'acme/theirs', '{}')).status).toBe(404);
    expect((await hook(t, 'globex/ping', '{}', { method: 'PUT' })).status).toBe(404);
    expect((await hook(t, 'globex/theirs', '{}')).status).toBe(202);
    expect((await hook(t, 'Not_A_Tenant/ping', '{}', { method: 'PUT' })).status).toBe(404);
    expect((await hook(t, 'acme/nothing/here', '{}')).status).toBe(404);
    expect(await runsOf(t, 'ping')).toHaveLength(1);
  });

  it('answers 422 when the body does not fit the inputs, and starts nothing', async () => {
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: typed
inputs:
  type: object
  required: [order]
  properties: { order: { type: integer } }
triggers:
  - { type: webhook, path: typed }
nodes:
  - { id: a, type: noop }
`,
    );
    const res = await hook(t, 'acme/typed', '{"order":"many"}');
    expect(res.status).toBe(422);
    const body = (await res.json()) as Json;
    expect(body['error']['code']).toBe('invalid_input');
    expect(body['error']['details'][0]['path']).toBe('input.order');
    expect(await runsOf(t, 'typed')).toHaveLength(0);
  });

  it('?wait=true answers the run once settled (200), or as it is when the bound passes (202)', async () => {
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: quick
triggers:
  - { type: webhook, path: quick, secret: ${SECRET} }
nodes:
  - { id: double, type: transform, with: { expression: "inputs.n * 2" } }
`,
    );
    await publish(
      t,
      yaml`
id: slow
triggers:
  - { type: webhook, path: slow }
nodes:
  - { id: hold, type: gate, with: { name: hook-wait } }
`,
    );
    const quick = await fetch(`${t.url}/v1/hooks/acme/quick?wait=true`, {
      method: 'POST',
      headers: { 'x-weft-signature': signWebhook(SECRET, '{"n":21}') },
      body: '{"n":21}',
    });
    expect(quick.status).toBe(200);
    expect(quick.headers.get('weft-wait')).toBe('settled');
    expect(await quick.json()).toMatchObject({
      status: 'succeeded',
      output: 42,
      workflow: 'quick',
    });

    const slow = await fetch(`${t.url}/v1/hooks/acme/slow?wait=true&timeout=200`, {
      method: 'POST',
    });
    expect(slow.status).toBe(202);
    expect(slow.headers.get('weft-wait')).toBe('timeout');
    const run = (await slow.json()) as Json;
    expect(run['status']).toBe('running');
    openGate('hook-wait');
    expect((await t.engine.wait(run['id'])).status).toBe('succeeded');
    const bad = await fetch(`${t.url}/v1/hooks/acme/slow?wait=maybe`, { method: 'POST' });
    expect(bad.status).toBe(400);
  });

  it('uses tenant default when the server runs without keys', async () => {
    t = await startTestServer({ keys: null });
    await publish(
      t,
      'id: open\ntriggers: [{ type: webhook, path: in }]\nnodes: [{ id: a, type: noop }]\n',
    );
    const res = await hook(t, 'default/in', '{"x":1}');
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Json;
    expect((await t.engine.store.getRun(id))?.tenant).toBe('default');
    expect((await hook(t, 'acme/in', '{}')).status).toBe(404);
  });
});
