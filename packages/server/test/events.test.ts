/**
 * `GET /v1/runs/{id}/events`: the JSON log, and the live SSE stream — ids, replay with
 * Last-Event-ID, keep-alives, the end at the terminal event, and runs that do not care whether
 * anyone listens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACME,
  openGate,
  publish,
  readSse,
  startTestServer,
  waitFor,
  yaml,
  type SseMessage,
  type TestServer,
} from './helpers.js';

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

type Json = Record<string, any>;
const SSE = { accept: 'text/event-stream' };

const chain = yaml`
id: chain
nodes:
  - { id: a, type: set, with: { values: { n: 1 } } }
  - { id: hold, type: gate, needs: [a], with: { name: "{{ inputs.gate }}" } }
  - { id: b, type: set, needs: [hold], with: { values: { n: 2 } } }
  - { id: c, type: set, needs: [b], with: { values: { n: 3 } } }
`;

async function start(path: string, input: unknown = {}): Promise<string> {
  const res = await t.call(path, { key: ACME, json: { input } });
  return ((await res.json()) as Json)['id'] as string;
}

async function storedLog(id: string): Promise<Json[]> {
  return ((await (await t.call(`/v1/runs/${id}/events`, { key: ACME })).json()) as Json)[
    'events'
  ] as Json[];
}

const events = (messages: SseMessage[]) => messages.filter((m) => m.data !== undefined);

describe('SSE', () => {
  it('streams every event with id = seq 1, 2, 3 ..., event = type, and ends after the terminal event', async () => {
    t = await startTestServer();
    await publish(t, chain);
    const id = await start('/v1/workflows/chain/runs', { gate: 'sse1' });
    const res = await t.call(`/v1/runs/${id}/events`, { key: ACME, headers: SSE });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const got: SseMessage[] = [];
    const reading = readSse(res, (m) => {
      got.push(m);
      if (m.event === 'node.succeeded' && JSON.parse(m.data!).node === 'a') openGate('sse1');
    });
    await reading; // ends on its own
    const evs = events(got);
    expect(evs.map((m) => Number(m.id))).toEqual(evs.map((_, i) => i + 1));
    for (const m of evs) {
      const e = JSON.parse(m.data!) as Json;
      expect(e['seq']).toBe(Number(m.id));
      expect(e['type']).toBe(m.event);
    }
    expect(evs[0]?.event).toBe('run.started');
    expect(evs.at(-1)?.event).toBe('run.succeeded');
    expect(evs.map((m) => JSON.parse(m.data!))).toEqual(await storedLog(id));
  });

  it('replays the rest exactly once after a reconnect with Last-Event-ID (and with ?after=)', async () => {
    t = await startTestServer();
    await publish(t, chain);
    const id = await start('/v1/workflows/chain/runs', { gate: 'sse2' });
    const first: SseMessage[] = [];
    await readSse(await t.call(`/v1/runs/${id}/events`, { key: ACME, headers: SSE }), (m) => {
      if (m.data !== undefined) first.push(m);
      return !(m.event === 'node.started' && JSON.parse(m.data!).node === 'hold');
    });
    const lastId = first.at(-1)!.id!;
    // The client is gone; the run goes on meanwhile.
    openGate('sse2');
    await waitFor(async () => (await t.engine.get(id))?.status === 'succeeded');
    const rest: SseMessage[] = [];
    await readSse(
      await t.call(`/v1/runs/${id}/events?after=0`, {
        key: ACME,
        headers: { ...SSE, 'last-event-id': lastId },
      }),
      (m) => {
        if (m.data !== undefined) rest.push(m);
      },
    );
    const seqs = [...first, ...rest].map((m) => Number(m.id));
    const log = await storedLog(id);
    expect(seqs).toEqual(log.map((e) => e['seq']));
    expect(new Set(seqs).size).toBe(seqs.length);

    const viaQuery: SseMessage[] = [];
    await readSse(
      await t.call(`/v1/runs/${id}/events?after=${lastId}`, { key: ACME, headers: SSE }),
      (m) => {
        if (m.data !== undefined) viaQuery.push(m);
      },
    );
    expect(viaQuery.map((m) => m.id)).toEqual(rest.map((m) => m.id));
  });

  it('reconnects mid-run and gets the live rest exactly once', async () => {
    t = await startTestServer();
    await publish(t, chain);
    const id = await start('/v1/workflows/chain/runs', { gate: 'sse3' });
    const first: SseMessage[] = [];
    await readSse(await t.call(`/v1/runs/${id}/events`, { key: ACME, headers: SSE }), (m) => {
      if (m.data !== undefined) first.push(m);
      return first.length < 2;
    });
    const second: SseMessage[] = [];
    const reading = readSse(
      await t.call(`/v1/runs/${id}/events`, {
        key: ACME,
        headers: { ...SSE, 'last-event-id': first.at(-1)!.id! },
      }),
      (m) => {
        if (m.data !== undefined) second.push(m);
      },
    );
    await waitFor(() =>
      second.some((m) => m.event === 'node.started' && JSON.parse(m.data!).node === 'hold'),
    );
    openGate('sse3');
    await reading;
    const seqs = [...first, ...second].map((m) => Number(m.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(second.at(-1)?.event).toBe('run.succeeded');
  });

  it('a client that disconnects mid-run does not stop the run', async () => {
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: napping
nodes:
  - { id: nap, type: sleep, with: { ms: 300 } }
  - { id: after, type: set, needs: [nap], with: { values: { ok: true } } }
`,
    );
    const id = await start('/v1/workflows/napping/runs');
    const abort = new AbortController();
    const res = await t.call(`/v1/runs/${id}/events`, {
      key: ACME,
      headers: SSE,
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const run = await t.engine.wait(id);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['nap']?.attempts).toBe(1);
  });

  it('sends keep-alive comments while the run waits', async () => {
    t = await startTestServer({ limits: { keepAliveMs: 40 } });
    await publish(
      t,
      yaml`
id: ask
nodes:
  - { id: q, type: human, with: { prompt: "?" } }
`,
    );
    const id = await start('/v1/workflows/ask/runs?wait=true');
    const got: SseMessage[] = [];
    await readSse(await t.call(`/v1/runs/${id}/events`, { key: ACME, headers: SSE }), (m) => {
      got.push(m);
      return got.filter((x) => x.comment === 'keep-alive').length < 3;
    });
    expect(events(got).at(-1)?.event).toBe('run.waiting');
    expect(got.filter((m) => m.comment === 'keep-alive')).toHaveLength(3);
  });

  it('delivers the messages of parallel message nodes in graph order', async () => {
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: chat
nodes:
  - { id: think, type: sleep, with: { ms: 150 } }
  - { id: first, type: message, needs: [think], with: { text: "one" } }
  - { id: second, type: message, with: { text: "two" } }
`,
    );
    const id = await start('/v1/workflows/chat/runs');
    const texts: string[] = [];
    await readSse(await t.call(`/v1/runs/${id}/events`, { key: ACME, headers: SSE }), (m) => {
      if (m.event === 'message') texts.push((JSON.parse(m.data!) as Json)['data']['text']);
    });
    expect(texts).toEqual(['one', 'two']);
  });

  it('answers 400 for a Last-Event-ID that is not a seq, and 404 for an unknown run', async () => {
    t = await startTestServer();
    await publish(t, chain);
    const id = await start('/v1/workflows/chain/runs', { gate: 'sse4' });
    const bad = await t.call(`/v1/runs/${id}/events`, {
      key: ACME,
      headers: { ...SSE, 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json)['error']['details'][0]['path']).toBe('last-event-id');
    expect((await t.call('/v1/runs/nope/events', { key: ACME, headers: SSE })).status).toBe(404);
    openGate('sse4');
  });
});

describe('JSON log', () => {
  it('returns the stored events, after a seq, a page at a time', async () => {
    t = await startTestServer();
    await publish(t, chain);
    const id = await start('/v1/workflows/chain/runs', { gate: 'log1' });
    openGate('log1');
    await t.engine.wait(id);
    const all = (await (await t.call(`/v1/runs/${id}/events`, { key: ACME })).json()) as Json;
    expect(all['has_more']).toBe(false);
    const seqs = (all['events'] as Json[]).map((e) => e['seq']);
    expect(seqs).toEqual(seqs.map((_: unknown, i: number) => i + 1));
    const page = (await (
      await t.call(`/v1/runs/${id}/events?after=2&limit=3`, { key: ACME })
    ).json()) as Json;
    expect((page['events'] as Json[]).map((e) => e['seq'])).toEqual([3, 4, 5]);
    expect(page['has_more']).toBe(true);
    expect((await t.call(`/v1/runs/${id}/events?after=-1`, { key: ACME })).status).toBe(400);
  });
});
