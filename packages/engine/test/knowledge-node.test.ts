/**
 * The `knowledge` node through the Engine, with a real embeddings endpoint over HTTP on the
 * loopback (test/fixtures/openai-embeddings.mjs: hashed bag-of-words vectors): chunks added and
 * ranked by cosine similarity, metadata filters, keyword fusion, and the failures a user meets
 * (unknown collection, unreachable or refused endpoint, a blocked address, a wrong credential).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  embedText,
  startEmbeddingsServer,
  type EmbeddingsServer,
} from '../../../test/fixtures/openai-embeddings.mjs';
import { Engine } from '../src/index.js';
import { tempDb } from './helpers.js';

let engine: Engine;
let server: EmbeddingsServer;
const allowBefore = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  server = await startEmbeddingsServer();
  engine = await Engine.open({ db: tempDb() });
  await engine.credentials.put('embed', {
    type: 'openai',
    base_url: server.baseUrl,
    api_key: 'test-key',
  });
});
afterAll(async () => {
  await engine.close();
  await server.close();
  if (allowBefore === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = allowBefore;
});
// The endpoint is on the loopback: allowed as an operator would allow it.
beforeEach(() => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
});

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

/** A workflow of one knowledge node with these parameters, as JSON text. */
const one = (id: string, params: Record<string, unknown>, attempts = 1) =>
  JSON.stringify({
    id,
    nodes: [
      {
        id: 'k',
        type: 'knowledge',
        with: { credential: 'embed', model: 'hash-64', ...params },
        retry: { max_attempts: attempts, initial_ms: 1 },
      },
    ],
  });

describe('knowledge node', () => {
  it('adds chunked text with metadata and finds the closest chunks', async () => {
    const texts = [
      { text: 'Cats purr when they are content.', metadata: { topic: 'cats', lang: 'en' } },
      { text: 'Dogs bark at the mail carrier.', metadata: { topic: 'dogs', lang: 'en' } },
      { text: 'Les chats ronronnent.', metadata: { topic: 'cats', lang: 'fr' } },
    ];
    const before = { ...server.stats };
    const added = await engine.run(
      one('add-pets', { collection: 'pets', op: 'add', text: texts, metadata: { source: 'test' } }),
    );
    expect(added.status).toBe('succeeded');
    const out = added.nodes['k']?.output as { added: number; chunks: string[] };
    expect(out.added).toBe(3);
    expect(out.chunks).toHaveLength(3);
    // One request for the three chunks.
    expect(server.stats.requests - before.requests).toBe(1);
    expect(server.stats.inputs - before.inputs).toBe(3);

    const query = 'why do cats purr';
    const found = await engine.run(
      one('ask-pets', { collection: 'pets', op: 'query', query, top_k: 2 }),
    );
    const { matches } = found.nodes['k']?.output as {
      matches: { text: string; score: number; metadata: unknown }[];
    };
    const expected = texts
      .map((t) => ({ ...t, score: cosine(embedText(query), embedText(t.text)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 2);
    expect(matches.map((m) => m.text)).toEqual(expected.map((e) => e.text));
    expect(matches[0]?.text).toBe('Cats purr when they are content.');
    expect(matches[0]?.metadata).toEqual({ source: 'test', topic: 'cats', lang: 'en' });
    matches.forEach((m, i) => expect(m.score).toBeCloseTo(expected[i]?.score ?? NaN, 5));

    const filtered = await engine.run(
      one('ask-fr', { collection: 'pets', op: 'query', query, filter: { lang: 'fr' } }),
    );
    expect(filtered.nodes['k']?.output).toMatchObject({
      matches: [{ text: 'Les chats ronronnent.', metadata: { lang: 'fr', topic: 'cats' } }],
    });
  });

  it('chunks a long text with overlap on sentence ends', async () => {
    const sentence = (n: number) => `Sentence number ${n} talks about topic ${n}. `;
    const text = Array.from({ length: 20 }, (_, i) => sentence(i)).join('');
    const run = await engine.run(
      one('add-long', { collection: 'long', op: 'add', text, chunk: { size: 200, overlap: 50 } }),
    );
    const { added } = run.nodes['k']?.output as { added: number };
    expect(added).toBeGreaterThan(text.length / 200);
    const q = await engine.run(
      one('ask-long', { collection: 'long', op: 'query', query: 'topic 17', top_k: 1 }),
    );
    expect(q.nodes['k']?.output).toMatchObject({
      matches: [{ text: expect.stringContaining('topic 17.') }],
    });
  });

  it('fuses keyword ranking by reciprocal rank when hybrid', async () => {
    await engine.run(
      one('add-fruit', {
        collection: 'fruit',
        op: 'add',
        text: ['apple banana cherry', 'zebra only here', 'nothing shared at all'],
      }),
    );
    const run = await engine.run(
      one('ask-fruit', {
        collection: 'fruit',
        op: 'query',
        query: 'zebra apple banana cherry',
        hybrid: true,
        top_k: 3,
      }),
    );
    const { matches } = run.nodes['k']?.output as { matches: { text: string; score: number }[] };
    // Both rankings put the first chunk first and the second second; the third has no keyword.
    expect(matches.map((m) => m.text)).toEqual([
      'apple banana cherry',
      'zebra only here',
      'nothing shared at all',
    ]);
    [2 / 61, 2 / 62, 1 / 63].forEach((score, i) => expect(matches[i]?.score).toBeCloseTo(score, 9));
  });

  it('runs examples/knowledge.yaml against the endpoint', async () => {
    await engine.credentials.put('embeddings', {
      type: 'openai',
      base_url: server.baseUrl,
      api_key: 'test',
    });
    const source = readFileSync(
      new URL('../../../examples/knowledge.yaml', import.meta.url),
      'utf8',
    );
    const run = await engine.run(source, { input: { question: 'how many hours do cats sleep' } });
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({
      added: 3,
      matches: [{ text: expect.stringContaining('Cats sleep') }, {}],
    });
  });

  it('finds no matches in a collection that has none, without calling the endpoint', async () => {
    const before = server.stats.requests;
    const run = await engine.run(
      one('ask-none', { collection: 'nothing-yet', op: 'query', query: 'x' }),
    );
    expect(run.nodes['k']?.output).toEqual({ matches: [] });
    expect(server.stats.requests).toBe(before);
  });

  it('fails with a retryable error naming the node when the endpoint is unreachable', async () => {
    await engine.credentials.put('down', {
      type: 'openai',
      base_url: 'http://127.0.0.1:1/v1',
      api_key: 'k',
    });
    const run = await engine.run(
      one('add-down', { collection: 'c', op: 'add', text: 'hello', credential: 'down' }, 2),
    );
    expect(run.status).toBe('failed');
    // Retried: the second attempt failed as the first did.
    expect(run.nodes['k']?.attempts).toBe(2);
    expect(run.nodes['k']?.error).toMatchObject({
      code: 'network_error',
      message: expect.stringMatching(
        /^node k: embeddings from POST http:\/\/127\.0\.0\.1:1\/v1\/embeddings failed/,
      ),
    });
  });

  it('fails with a retryable http_status when the endpoint answers 503', async () => {
    const run = await engine.run(
      one('add-503', { collection: 'c', op: 'add', text: 'hello', model: 'unavailable' }, 2),
    );
    expect(run.nodes['k']?.attempts).toBe(2);
    expect(run.nodes['k']?.error).toMatchObject({
      code: 'http_status',
      message: expect.stringContaining('answered 503'),
    });
  });

  it('refuses a loopback endpoint that is not allow-listed', async () => {
    delete process.env['WEFT_HTTP_ALLOW'];
    const before = server.stats.requests;
    const run = await engine.run(one('add-blocked', { collection: 'c', op: 'add', text: 'hello' }));
    expect(run.nodes['k']?.error).toMatchObject({ code: 'ssrf_blocked' });
    expect(server.stats.requests).toBe(before);
  });

  it('refuses a credential that is not an openai one, and bad parameters', async () => {
    await engine.credentials.put('token', { type: 'bearer', value: 'secret-value' });
    const run = await engine.run(
      one('add-token', { collection: 'c', op: 'add', text: 'hi', credential: 'token' }),
    );
    expect(run.nodes['k']?.error).toMatchObject({
      code: 'invalid_params',
      message: expect.stringContaining('need an openai credential'),
    });
    await expect(
      engine.run(one('bad-k', { collection: 'c', op: 'query', query: 'x', top_k: 101 })),
    ).rejects.toMatchObject({
      code: 'invalid_definition',
      message: expect.stringContaining('top_k'),
    });
    await expect(
      engine.run(
        one('bad-chunk', {
          collection: 'c',
          op: 'add',
          text: 'x',
          chunk: { size: 10, overlap: 10 },
        }),
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('overlap must be less than size') });
  });
});
