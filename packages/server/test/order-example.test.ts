/**
 * examples/order.yaml driven through the HTTP API (SPEC section 5): events posted to
 * `/v1/runs/{id}/events`, the run object's state, context and accepted events, a 409 naming them,
 * and the refund path, whose approved refund is posted by an `http` action with the run's
 * idempotency key.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, startTestServer, type TestServer } from './helpers.js';

type Json = Record<string, any>;

const source = readFileSync(new URL('../../../examples/order.yaml', import.meta.url), 'utf8');

let t: TestServer;
let payments: Server;
let refundUrl: string;
const refunds: { headers: IncomingHttpHeaders; body: unknown }[] = [];
let savedAllow: string | undefined;

beforeAll(async () => {
  savedAllow = process.env['WEFT_HTTP_ALLOW'];
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  payments = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      refunds.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"refund":"r-1"}');
    });
  });
  await new Promise<void>((r) => payments.listen(0, '127.0.0.1', r));
  refundUrl = `http://127.0.0.1:${(payments.address() as AddressInfo).port}/refunds`;
  t = await startTestServer();
  const published = await t.call('/v1/workflows', {
    method: 'POST',
    key: ACME,
    headers: { 'content-type': 'application/yaml' },
    body: source,
  });
  expect(published.status).toBe(201);
});

afterAll(async () => {
  await t.close();
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
  payments.closeAllConnections();
  await new Promise<void>((r) => payments.close(() => r()));
});

async function start(input: Json): Promise<string> {
  const res = await t.call('/v1/workflows/order/runs?wait=true', { key: ACME, json: { input } });
  const run = (await res.json()) as Json;
  expect(run).toMatchObject({ status: 'waiting', state: 'created', accepts: ['CANCEL', 'PAY'] });
  return run['id'] as string;
}

/** Posts an event; the answer's status and body. */
async function send(id: string, type: string, data?: unknown): Promise<[number, Json]> {
  const json = data === undefined ? { type } : { type, data };
  const res = await t.call(`/v1/runs/${id}/events`, { key: ACME, json });
  return [res.status, (await res.json()) as Json];
}

async function settled(id: string): Promise<Json> {
  return (await (await t.call(`/v1/runs/${id}?wait=true`, { key: ACME })).json()) as Json;
}

describe('the order process over the API', () => {
  it('goes created -> paid -> shipped -> delivered; a short payment moves nothing', async () => {
    const id = await start({ order_id: 'A-1', total: 40 });
    expect((await send(id, 'PAY', { amount: 39 }))[0]).toBe(200);
    expect(await settled(id)).toMatchObject({ state: 'created', context: { paid: 0 } });
    await send(id, 'PAY', { amount: 40 });
    expect(await settled(id)).toMatchObject({
      status: 'waiting',
      state: 'paid',
      context: { paid: 40 },
      accepts: ['CANCEL', 'SHIP'],
    });
    await send(id, 'SHIP', { tracking: '1Z9' });
    await send(id, 'DELIVER');
    expect(await settled(id)).toMatchObject({
      status: 'succeeded',
      output: { state: 'delivered', context: { paid: 40, tracking: '1Z9' } },
      accepts: [],
    });
    const events = (await (await t.call(`/v1/runs/${id}/events`, { key: ACME })).json()) as {
      events: Json[];
    };
    expect(
      events.events.filter((e) => e['type'] === 'state.transition').map((e) => e['data']),
    ).toEqual([
      { from: 'created', to: 'paid', event: 'PAY', assigned: { paid: 40 } },
      { from: 'paid', to: 'shipped', event: 'SHIP', assigned: { tracking: '1Z9' } },
      { from: 'shipped', to: 'delivered', event: 'DELIVER' },
    ]);
  });

  it('answers 409 with the state and the events it accepts; cancel before payment ends it', async () => {
    const id = await start({ order_id: 'A-2', total: 40 });
    const [status, body] = await send(id, 'APPROVE');
    expect(status).toBe(409);
    expect(body['error']).toMatchObject({
      code: 'invalid_state',
      state: 'created',
      accepts: ['CANCEL', 'PAY'],
    });
    await send(id, 'CANCEL');
    expect(await settled(id)).toMatchObject({
      status: 'succeeded',
      output: { state: 'cancelled' },
    });
    expect((await send(id, 'PAY', { amount: 40 }))[0]).toBe(409);
  });

  it('refunds a cancelled paid order once a person approves: the http action posts it once', async () => {
    const id = await start({ order_id: 'A-3', total: 25, refund_url: refundUrl });
    await send(id, 'PAY', { amount: 25 });
    await send(id, 'CANCEL');
    expect(await settled(id)).toMatchObject({
      status: 'waiting',
      state: 'refund_review',
      accepts: ['APPROVE', 'REJECT'],
      context: { paid: 25, reason: 'cancelled after payment' },
    });
    expect(refunds).toEqual([]);
    await send(id, 'APPROVE', { by: 'ann' });
    const done = await settled(id);
    expect(done).toMatchObject({
      status: 'succeeded',
      output: { state: 'refunded', context: { approved_by: 'ann' } },
    });
    expect(done['nodes']['entry[0].refund']).toMatchObject({
      status: 'succeeded',
      output: { status: 201, body: { refund: 'r-1' } },
    });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.body).toEqual({
      order: 'A-3',
      amount: 25,
      reason: 'cancelled after payment',
    });
    expect(refunds[0]?.headers['idempotency-key']).toBe(`${id}:entry[0].refund`);
  });
});
