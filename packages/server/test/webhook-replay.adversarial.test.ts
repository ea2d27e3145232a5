/**
 * Issue #17 §6: a captured signed webhook request replayed inside the 5-minute window with another
 * delivery id header (which the signature does not cover) must not start another run. Unsigned
 * hooks keep their redelivery dedup by delivery id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signWebhook } from '@weft/engine';
import { ACME, publish, startTestServer, yaml, type TestServer } from './helpers.js';

type Json = Record<string, any>;
const SECRET = 'whsec-replay-0123456789';

const signedFlow = yaml`
id: orders
triggers:
  - { type: webhook, path: orders/new, secret: ${SECRET} }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;
const openFlow = yaml`
id: pings
triggers:
  - { type: webhook, path: ping }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
  await publish(t, signedFlow);
  await publish(t, openFlow);
});
afterEach(async () => {
  await t.close();
});

const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${t.url}/v1/hooks/acme/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

async function runsOf(workflow: string): Promise<Json[]> {
  const res = await t.call(`/v1/runs?workflow=${workflow}`, { key: ACME });
  return ((await res.json()) as { runs: Json[] }).runs;
}

describe('a captured signed request', () => {
  it('replayed with 3 different delivery ids starts 1 run', async () => {
    const body = '{"order":42}';
    const signature = signWebhook(SECRET, body);
    const answers: Json[] = [];
    for (const id of ['evt_a', 'evt_b', 'evt_c']) {
      const res = await post('orders/new', body, {
        'x-weft-signature': signature,
        'x-weft-delivery': id,
      });
      expect(res.status).toBe(202);
      answers.push((await res.json()) as Json);
    }
    expect(new Set(answers.map((a) => a['id'])).size).toBe(1);
    expect(answers.map((a) => a['duplicate'])).toEqual([false, true, true]);
    expect(await runsOf('orders')).toHaveLength(1);
  });

  it('replayed concurrently, under either delivery header or none, starts 1 run', async () => {
    const body = '{"order":43}';
    const signature = signWebhook(SECRET, body);
    const variants: Record<string, string>[] = [
      {},
      { 'x-weft-delivery': 'evt_1' },
      { 'x-weft-delivery': 'evt_2' },
      { 'idempotency-key': 'evt_3' },
      { 'idempotency-key': 'evt_4' },
    ];
    const answers = await Promise.all(
      variants.map(async (h) => {
        const res = await post('orders/new', body, { 'x-weft-signature': signature, ...h });
        expect(res.status).toBe(202);
        return (await res.json()) as Json;
      }),
    );
    expect(new Set(answers.map((a) => a['id'])).size).toBe(1);
    expect(answers.filter((a) => a['duplicate'] === false)).toHaveLength(1);
    expect(await runsOf('orders')).toHaveLength(1);
  });

  it('replayed with a new delivery id does not take that id from the sender', async () => {
    const body = '{"order":44}';
    const signature = signWebhook(SECRET, body);
    await post('orders/new', body, { 'x-weft-signature': signature, 'x-weft-delivery': 'evt_x' });
    // The attacker's replay names a delivery id the sender has not used yet...
    await post('orders/new', body, { 'x-weft-signature': signature, 'x-weft-delivery': 'evt_y' });
    // ...and the sender's real delivery evt_y (another body, signed by it) still starts its run.
    const real = '{"order":45}';
    const res = await post('orders/new', real, {
      'x-weft-signature': signWebhook(SECRET, real),
      'x-weft-delivery': 'evt_y',
    });
    expect(((await res.json()) as Json)['duplicate']).toBe(false);
    expect(await runsOf('orders')).toHaveLength(2);
  });
});

describe('unsigned hooks', () => {
  it('still deduplicate redeliveries by delivery id, and tell ids apart', async () => {
    const first = (await (await post('ping', '{}', { 'x-weft-delivery': 'd1' })).json()) as Json;
    const again = (await (await post('ping', '{}', { 'x-weft-delivery': 'd1' })).json()) as Json;
    const other = (await (await post('ping', '{}', { 'x-weft-delivery': 'd2' })).json()) as Json;
    expect(again).toEqual({ id: first['id'], duplicate: true });
    expect(other['id']).not.toBe(first['id']);
    expect(await runsOf('pings')).toHaveLength(2);
  });
});
