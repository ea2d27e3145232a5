/**
 * What only the HTTP client does: a live stream that breaks off before the terminal event is
 * resumed with Last-Event-ID, and the caller sees every event once; error bodies become WeftErrors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, WeftError, type RunEvent } from '@weft/engine';
import { startServer, type RunningServer } from '@weft/server';
import { errorOf, httpClient } from '../src/index.js';

let engine: Engine | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  await engine?.close();
});

const ask = `id: ask
nodes:
  - { id: a, type: set, with: { values: { n: 1 } } }
  - { id: approve, type: human, needs: [a], with: { prompt: Go? } }
  - { id: b, type: set, needs: [approve], with: { values: { n: 2 } } }
`;

/** A fetch whose first event stream ends after `keep` events, as a dropped connection would. */
function cuttingFetch(keep: number, lastIds: (string | null)[]): typeof fetch {
  let cut = false;
  return async (input, init) => {
    const res = await fetch(input, init);
    const headers = new Headers(init?.headers);
    if (headers.get('accept') !== 'text/event-stream') return res;
    lastIds.push(headers.get('last-event-id'));
    if (cut || res.body === null) return res;
    cut = true;
    const reader = res.body.getReader();
    let text = '';
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        text += new TextDecoder().decode(value);
        const blocks = text.split('\n\n').filter((b) => b.includes('\ndata: '));
        if (blocks.length < keep) return controller.enqueue(value);
        controller.enqueue(new TextEncoder().encode(`${blocks.slice(0, keep).join('\n\n')}\n\n`));
        controller.close();
        await reader.cancel();
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

describe('httpClient', () => {
  it('resumes a broken live stream with Last-Event-ID: no gap, no duplicate', async () => {
    engine = await Engine.open({ db: ':memory:' });
    server = await startServer({ engine, port: 0, host: '127.0.0.1', drainMs: 500 });
    const lastIds: (string | null)[] = [];
    const client = httpClient({
      url: server.url,
      fetch: cuttingFetch(2, lastIds),
      reconnectDelayMs: 10,
    });
    await client.workflows.publish(ask);
    const { id } = await client.runs.start('ask');
    const seen: RunEvent[] = [];
    for await (const e of client.runs.events(id)) {
      seen.push(e);
      if (e.type === 'run.waiting') await client.runs.input(id, 'approve', true);
    }
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.at(-1)?.type).toBe('run.succeeded');
    expect(lastIds.slice(0, 2)).toEqual(['0', '2']);
    expect((await client.runs.eventPage(id)).events).toEqual(seen);
  });

  it('turns the API error body into the WeftError it came from', async () => {
    const res = Response.json(
      {
        error: {
          code: 'invalid_definition',
          message: 'bad',
          details: [{ path: 'id', message: 'x' }],
        },
      },
      { status: 422 },
    );
    const e = await errorOf(res);
    expect(WeftError.is(e)).toBe(true);
    expect([e.code, e.message, e.details]).toEqual([
      'invalid_definition',
      'bad',
      [{ path: 'id', message: 'x' }],
    ]);
    expect((await errorOf(new Response('oops', { status: 502 }))).code).toBe('unavailable');
    const down = httpClient({ url: 'http://127.0.0.1:9', key: 'k' });
    await expect(down.workflows.list()).rejects.toMatchObject({ code: 'unavailable' });
  });
});
