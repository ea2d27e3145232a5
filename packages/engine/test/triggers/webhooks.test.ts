/**
 * Webhook triggers (SPEC section 6, issue 4) through `engine.webhooks.deliver`, which the server's
 * `POST /v1/hooks/{tenant}/{path}` route is a thin layer over. On real SQLite files.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine, signWebhook, WeftError, type WebhookRequest } from '../../src/index.js';
import { tempDb, yaml } from '../helpers.js';

const SECRET = 'whsec-test-0123456789';
let engine: Engine;
beforeEach(async () => {
  engine = await Engine.open({ db: tempDb() });
});
afterEach(async () => {
  await engine.close();
});

const signedHook = yaml`
id: orders
triggers:
  - { type: webhook, path: orders/new, secret: ${SECRET} }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;
const openHook = yaml`
id: pings
triggers:
  - { type: webhook, path: ping }
  - { type: webhook, path: ping, method: PUT }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;

const now = () => Math.floor(Date.now() / 1000);
const runCount = async (tenant = 'default') =>
  (await engine.store.listRuns({ tenant })).runs.length;

const refusal = async (req: WebhookRequest): Promise<WeftError> => {
  try {
    await engine.webhooks.deliver(req);
  } catch (e) {
    if (WeftError.is(e)) return e;
    throw e;
  }
  throw new Error('expected the delivery to be refused');
};

const signed = (
  body: string,
  headers: Record<string, string> = {},
  t = now(),
  secret = SECRET,
): WebhookRequest => ({
  tenant: 'default',
  path: 'orders/new',
  method: 'POST',
  rawBody: body,
  headers: { 'X-Weft-Signature': signWebhook(secret, body, t), ...headers },
});

describe('signed webhooks', () => {
  beforeEach(async () => {
    await engine.publish(signedHook);
  });

  it('a well-signed request starts one run with the body as input', async () => {
    const body = JSON.stringify({ order: 42, items: ['a', 'b'] });
    const result = await engine.webhooks.deliver(signed(body));
    expect(result).toMatchObject({ workflowId: 'orders', duplicate: false });
    const run = await engine.wait(result.runId);
    expect(run.status).toBe('succeeded');
    expect(run.input).toEqual({ order: 42, items: ['a', 'b'] });
    expect(run.output).toEqual({ order: 42, items: ['a', 'b'] });
    expect(await runCount()).toBe(1);
  });

  it.each([
    [
      'unsigned',
      (b: string) => ({ ...signed(b), headers: {} }),
      'missing_signature',
      /missing X-Weft-Signature header/,
    ],
    [
      'signed with another secret',
      (b: string) => signed(b, {}, now(), 'wrong-secret-0123'),
      'bad_signature',
      /does not match/,
    ],
    [
      'signed over another body',
      (b: string) => ({ ...signed(b), rawBody: `${b} ` }),
      'bad_signature',
      /does not match/,
    ],
    [
      'stale (10 minutes old)',
      (b: string) => signed(b, {}, now() - 600),
      'stale_signature',
      /more than 300 s from the server's time/,
    ],
    [
      'from the future (10 minutes ahead)',
      (b: string) => signed(b, {}, now() + 600),
      'stale_signature',
      /more than 300 s/,
    ],
    [
      'malformed',
      (b: string) => ({ ...signed(b), headers: { 'x-weft-signature': 'sha256=abc' } }),
      'malformed_signature',
      /malformed X-Weft-Signature/,
    ],
  ])('%s: unauthorized, and no run', async (_name, make, reason, message) => {
    const e = await refusal(make('{"order":1}'));
    expect(e.code).toBe('unauthorized');
    expect(e.details).toEqual({ reason });
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(SECRET);
    expect(await runCount()).toBe(0);
  });

  it('a redelivered delivery id starts no new run and answers the same run id', async () => {
    const body = '{"order":7}';
    const first = await engine.webhooks.deliver(signed(body, { 'X-Weft-Delivery': 'evt_1' }));
    // A redelivery is signed afresh by the sender (a new timestamp).
    const again = await engine.webhooks.deliver(
      signed(body, { 'X-Weft-Delivery': 'evt_1' }, now() - 5),
    );
    expect(again).toEqual({ ...first, duplicate: true });
    // Signed at another time: the same signed request under another id would be a replay.
    const other = await engine.webhooks.deliver(
      signed(body, { 'Idempotency-Key': 'evt_2' }, now() - 10),
    );
    expect(other.runId).not.toBe(first.runId);
    expect(await runCount()).toBe(2);
  });

  it('an exact replay inside the window starts no new run', async () => {
    const req = signed('{"order":8}');
    const first = await engine.webhooks.deliver(req);
    const replay = await engine.webhooks.deliver(req);
    expect(replay).toEqual({ ...first, duplicate: true });
    expect(await runCount()).toBe(1);
  });

  it('a delivery id does not let an unsigned request learn anything', async () => {
    await engine.webhooks.deliver(signed('{}', { 'X-Weft-Delivery': 'evt_9' }));
    const e = await refusal({
      tenant: 'default',
      path: 'orders/new',
      headers: { 'X-Weft-Delivery': 'evt_9' },
    });
    expect(e.code).toBe('unauthorized');
  });

  it('concurrent deliveries of one id start one run', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        engine.webhooks.deliver(signed('{"n":1}', { 'X-Weft-Delivery': 'evt_race' })),
      ),
    );
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await runCount()).toBe(1);
  });

  it('accepts a Headers object and a byte body', async () => {
    const body = Buffer.from('{"bytes":true}');
    const headers = new Headers({ 'x-weft-signature': signWebhook(SECRET, body) });
    const r = await engine.webhooks.deliver({
      tenant: 'default',
      path: '/orders/new/',
      rawBody: body,
      headers,
    });
    expect((await engine.wait(r.runId)).input).toEqual({ bytes: true });
  });
});

describe('webhook routing', () => {
  beforeEach(async () => {
    await engine.publish(openHook);
  });

  it('a hook without a secret needs no signature; a text body is the input as text', async () => {
    const json = await engine.webhooks.deliver({
      tenant: 'default',
      path: 'ping',
      rawBody: '{"a":1}',
    });
    expect((await engine.wait(json.runId)).input).toEqual({ a: 1 });
    const text = await engine.webhooks.deliver({
      tenant: 'default',
      path: 'ping',
      rawBody: 'hello',
    });
    expect((await engine.wait(text.runId)).input).toBe('hello');
    const parsed = await engine.webhooks.deliver({
      tenant: 'default',
      path: 'ping',
      method: 'put',
      body: { b: 2 },
    });
    expect((await engine.wait(parsed.runId)).input).toEqual({ b: 2 });
    const empty = await engine.webhooks.deliver({ tenant: 'default', path: 'ping' });
    expect((await engine.wait(empty.runId)).input).toEqual({});
  });

  it('unknown path, other method, other tenant, deleted workflow: not_found, no run', async () => {
    for (const req of [
      { tenant: 'default', path: 'nope' },
      { tenant: 'default', path: 'ping', method: 'DELETE' },
      { tenant: 'globex', path: 'ping' },
    ]) {
      const e = await refusal(req);
      expect(e.code).toBe('not_found');
    }
    expect((await refusal({ tenant: 'default', path: 'nope', method: 'GET' })).message).toBe(
      'no webhook GET nope',
    );
    expect(await engine.deleteWorkflow('pings')).toBe(true);
    expect((await refusal({ tenant: 'default', path: 'ping' })).code).toBe('not_found');
    expect(await runCount()).toBe(0);
    expect(await runCount('globex')).toBe(0);
  });

  it('a second workflow cannot take a hook that is in use', async () => {
    const taken = yaml`
id: other
triggers: [{ type: webhook, path: ping }]
nodes: [{ id: a, type: noop }]
`;
    await expect(engine.publish(taken)).rejects.toMatchObject({
      code: 'invalid_definition',
      details: [
        {
          path: 'triggers[0].path',
          message: 'webhook `POST ping` is already used by workflow "pings"',
        },
      ],
    });
    // Another tenant may, and the hook's own workflow may publish new versions.
    await engine.publish(taken, { tenant: 'globex' });
    await engine.publish(openHook.replace('expression: "inputs"', 'expression: "inputs.a"'));
  });

  it('a body that does not fit the inputs is invalid_input', async () => {
    await engine.publish(yaml`
id: typed
inputs: { type: object, required: [n], properties: { n: { type: number } } }
triggers: [{ type: webhook, path: typed }]
nodes: [{ id: a, type: noop }]
`);
    const e = await refusal({
      tenant: 'default',
      path: 'typed',
      rawBody: '{"n":"x"}',
      headers: { 'X-Weft-Delivery': 'd1' },
    });
    expect(e.code).toBe('invalid_input');
    // The refused delivery was not recorded: sent again, fixed, it runs.
    const ok = await engine.webhooks.deliver({
      tenant: 'default',
      path: 'typed',
      rawBody: '{"n":1}',
      headers: { 'X-Weft-Delivery': 'd1' },
    });
    expect(ok.duplicate).toBe(false);
  });

  it('refuses an unusable delivery id', async () => {
    const e = await refusal({
      tenant: 'default',
      path: 'ping',
      headers: { 'x-weft-delivery': 'x'.repeat(201) },
    });
    expect(e.code).toBe('invalid_request');
  });
});
