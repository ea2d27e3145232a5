/**
 * The `llm` node through the Engine, against the fake OpenAI-compatible server over real HTTP:
 * streaming (coalesced progress), JSON answers and their repair, fallbacks, resets after a failed
 * attempt, errors, usage, and graph-ordered progress of parallel llm nodes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '@weft/core';
import { startOpenAiServer } from '../../../test/fixtures/openai-server.mjs';
import { Engine } from '../src/index.js';
import { SECRET_A } from './credentials/support.js';
import { tempDb, yaml } from './helpers.js';

type Fixture = Awaited<ReturnType<typeof startOpenAiServer>>;

let ai: Fixture;
let engine: Engine;
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  ai = await startOpenAiServer({ apiKey: 'right-key' });
  engine = await Engine.open({ db: tempDb(), secretKey: SECRET_A });
  await engine.credentials.put('ai', { type: 'openai', base_url: ai.url, api_key: 'right-key' });
});
afterAll(async () => {
  await engine.close();
  await ai.close();
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});
beforeEach(() => {
  ai.calls.bodies.length = 0;
});

async function events(runId: string): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of engine.events(runId, { follow: false })) out.push(e);
  return out;
}

/** The node's progress events' data, in order. */
async function progress(runId: string, node: string): Promise<Record<string, unknown>[]> {
  return (await events(runId))
    .filter((e) => e.type === 'node.progress' && e.node === node)
    .map((e) => e.data as Record<string, unknown>);
}

/** The text a client shows after these progress events: deltas appended, cleared on reset. */
function shown(data: Record<string, unknown>[]): string {
  let text = '';
  for (const d of data)
    text = d['reset'] === true ? '' : text + (typeof d['delta'] === 'string' ? d['delta'] : '');
  return text;
}

const one = (withBlock: string, extra = '') => yaml`
id: llm-test
nodes:
  - id: ask
    type: llm
${extra}    with:
      credential: ai
${withBlock}`;

describe('llm node', () => {
  it('streams a long answer as few coalesced progress events whose text is the answer', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    ai.script({ text: long, cachedTokens: 7 });
    const run = await engine.run(one('      model: m1\n      prompt: write a lot\n'));
    expect(run.status).toBe('succeeded');
    const out = run.output as Record<string, any>;
    expect(out['text']).toBe(long);
    expect(out['model']).toBe('m1');
    expect(out['finish_reason']).toBe('stop');
    expect(out['usage']).toMatchObject({ cached_tokens: 7 });
    expect(out['usage'].prompt_tokens).toBeGreaterThan(0);
    expect(out['usage'].total_tokens).toBe(
      out['usage'].prompt_tokens + out['usage'].completion_tokens,
    );
    const data = await progress(run.id, 'ask');
    expect(data.map((d) => d['delta']).join('')).toBe(long);
    // The server sent one chunk per 4 characters.
    expect(data.length).toBeLessThan(long.length / 4 / 10);
    expect(ai.calls.bodies[0]).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'write a lot' }],
    });
  });

  it('answers without streaming when stream is false', async () => {
    const before = ai.calls.kinds['chat'] ?? 0;
    const run = await engine.run(
      one('      model: m1\n      system: be brief\n      prompt: hello\n      stream: false\n'),
    );
    expect(run.status).toBe('succeeded');
    expect((run.output as { text: string }).text).toBe('You said: hello');
    expect(ai.calls.kinds['chat']).toBe(before + 1);
    expect(await progress(run.id, 'ask')).toEqual([]);
    expect(ai.calls.bodies[0]).toMatchObject({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello' },
      ],
    });
  });

  const schemaBlock = `      model: m1
      prompt: a person
      json_schema:
        type: object
        required: [name, age]
        properties:
          name: { type: string }
          age: { type: integer }
`;

  it('outputs the JSON answer when it matches json_schema', async () => {
    const run = await engine.run(one(schemaBlock));
    expect(run.status).toBe('succeeded');
    expect((run.output as { json: unknown }).json).toEqual({ name: 'text', age: 1 });
    expect(ai.calls.bodies[0]).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'output' } },
    });
  });

  it('repairs an answer that misses the schema once, showing the model its error', async () => {
    ai.script({ json: { name: 'Ada', age: 'old' } }, { json: { name: 'Ada', age: 36 } });
    const run = await engine.run(one(schemaBlock));
    expect(run.status).toBe('succeeded');
    const out = run.output as { json: unknown; text: string; usage: { total_tokens: number } };
    expect(out.json).toEqual({ name: 'Ada', age: 36 });
    expect(out.text).toBe('{"name":"Ada","age":36}');
    const repair = ai.calls.bodies[1] as { messages: { role: string; content: string }[] };
    expect(repair.messages.at(-2)).toEqual({
      role: 'assistant',
      content: '{"name":"Ada","age":"old"}',
    });
    expect(repair.messages.at(-1)?.content).toContain('$.age must be integer');
    // The invalid answer was streamed; the client is told to drop it.
    const data = await progress(run.id, 'ask');
    expect(data).toContainEqual({ reset: true });
    expect(shown(data)).toBe('{"name":"Ada","age":36}');
  });

  it('fails with invalid_output, not retried, when the repair misses too', async () => {
    ai.script({ text: 'not json at all' }, { json: { name: 'Ada' } });
    const run = await engine.run(one(schemaBlock, '    retry: { max_attempts: 3 }\n'));
    expect(run.status).toBe('failed');
    const node = run.nodes['ask'];
    expect(node?.attempts).toBe(1);
    expect(node?.error).toMatchObject({ code: 'invalid_output' });
    expect(node?.error?.message).toMatch(/^ask: .*\$\.age is required/);
    expect(ai.calls.bodies).toHaveLength(2);
  });

  for (const status of [429, 500]) {
    it(`falls back to the next model on ${status}`, async () => {
      ai.script({ model: 'primary', status, retryAfter: 1 });
      const run = await engine.run(
        one('      model: primary\n      prompt: hi\n      fallback: [backup]\n'),
      );
      expect(run.status).toBe('succeeded');
      expect(run.output).toMatchObject({ text: 'You said: hi', model: 'backup' });
      expect(ai.calls.bodies.map((b: { model: string }) => b.model)).toEqual(['primary', 'backup']);
    });
  }

  it('falls back to a model on another credential', async () => {
    await engine.credentials.put('other', {
      type: 'openai',
      base_url: ai.url,
      api_key: 'right-key',
    });
    ai.script({ model: 'primary', status: 503 });
    const run = await engine.run(
      one(
        '      model: primary\n      prompt: hi\n      fallback: [{ credential: other, model: spare }]\n',
      ),
    );
    expect(run.output).toMatchObject({ model: 'spare' });
  });

  it('does not fall back, nor retry, on 400', async () => {
    ai.script({ model: 'primary', status: 400, message: 'bad temperature' });
    const run = await engine.run(
      one(
        '      model: primary\n      prompt: hi\n      fallback: [backup]\n',
        '    retry: { max_attempts: 3 }\n',
      ),
    );
    expect(run.status).toBe('failed');
    expect(run.nodes['ask']?.attempts).toBe(1);
    expect(run.nodes['ask']?.error).toMatchObject({ code: 'llm_status' });
    expect(run.nodes['ask']?.error?.message).toContain('answered 400: bad temperature');
    expect(ai.calls.bodies).toHaveLength(1);
  });

  it('resets the streamed text of an attempt whose stream dropped before the retry streams', async () => {
    const partial = 'x'.repeat(1000);
    ai.script({ text: partial, dropAfter: 100 });
    const run = await engine.run(
      one(
        '      model: m1\n      prompt: again\n',
        '    retry: { max_attempts: 2, initial_ms: 1 }\n',
      ),
    );
    expect(run.status).toBe('succeeded');
    expect(run.nodes['ask']?.attempts).toBe(2);
    const data = await progress(run.id, 'ask');
    const reset = data.findIndex((d) => d['reset'] === true);
    // Some of the dropped attempt's text was shown, then withdrawn before the retry's.
    expect(reset).toBeGreaterThan(0);
    expect(
      data
        .slice(0, reset)
        .map((d) => d['delta'])
        .join(''),
    ).toMatch(/^x+$/);
    expect(shown(data)).toBe('You said: again');
    const kinds = (await events(run.id)).map((e) => e.type);
    expect(kinds).toContain('node.retrying');
  });

  it('fails with llm_auth, not retried, on a wrong key', async () => {
    await engine.credentials.put('wrong', { type: 'openai', base_url: ai.url, api_key: 'nope' });
    const run = await engine.run(
      yaml`
id: wrong-key
nodes:
  - id: ask
    type: llm
    retry: { max_attempts: 3 }
    with: { credential: wrong, model: m1, prompt: hi, fallback: [m2] }
`,
    );
    expect(run.status).toBe('failed');
    expect(run.nodes['ask']?.attempts).toBe(1);
    expect(run.nodes['ask']?.error).toMatchObject({ code: 'llm_auth' });
    expect(run.nodes['ask']?.error?.message).toContain('refused the API key (401)');
    expect(run.nodes['ask']?.error?.message).not.toContain('nope');
  });

  it('fails with a retryable error naming the node when the base URL does not answer', async () => {
    const gone = await startOpenAiServer();
    const url = gone.url;
    await gone.close();
    await engine.credentials.put('gone', { type: 'openai', base_url: url, api_key: 'k' });
    const run = await engine.run(
      yaml`
id: unreachable
nodes:
  - id: ask
    type: llm
    retry: { max_attempts: 2, initial_ms: 1 }
    with: { credential: gone, model: m1, prompt: hi }
`,
    );
    expect(run.status).toBe('failed');
    // Retried: the endpoint may come back.
    expect(run.nodes['ask']?.attempts).toBe(2);
    expect(run.nodes['ask']?.error).toMatchObject({ code: 'network_error' });
    expect(run.nodes['ask']?.error?.message).toMatch(
      /^ask: model m1 at http:\/\/127\.0\.0\.1:\d+\/v1: call failed: connect ECONNREFUSED/,
    );
  });

  it('is refused by the SSRF guard when the base URL is not allow-listed', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '';
    try {
      const run = await engine.run(
        yaml`
id: blocked
nodes:
  - id: ask
    type: llm
    with: { credential: ai, model: m1, prompt: hi }
`,
      );
      expect(run.nodes['ask']?.error).toMatchObject({ code: 'ssrf_blocked' });
      expect(ai.calls.bodies).toHaveLength(0);
    } finally {
      process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    }
  });

  it('aborts the call at the node timeout', async () => {
    ai.script({ stall: true });
    const run = await engine.run(
      one('      model: m1\n      prompt: hi\n', '    timeout_ms: 200\n'),
    );
    expect(run.status).toBe('failed');
    expect(run.nodes['ask']?.error).toMatchObject({ code: 'timeout' });
  });

  it('delivers the progress of parallel llm nodes in graph order', async () => {
    ai.script(
      { model: 'slow', text: 'first answer', delayMs: 300 },
      { model: 'fast', text: 'second answer' },
    );
    const run = await engine.run(yaml`
id: ordered
nodes:
  - id: a
    type: llm
    with: { credential: ai, model: slow, prompt: one }
  - id: b
    type: llm
    with: { credential: ai, model: fast, prompt: two }
`);
    expect(run.status).toBe('succeeded');
    const all = await events(run.id);
    const order = all.filter((e) => e.type === 'node.progress').map((e) => e.node);
    expect(order.length).toBeGreaterThanOrEqual(2);
    expect(order).toEqual([...order].sort());
    // b finished first, yet its text came out only after a's.
    const bDone = all.findIndex((e) => e.type === 'node.succeeded' && e.node === 'b');
    const aDone = all.findIndex((e) => e.type === 'node.succeeded' && e.node === 'a');
    expect(bDone).toBeLessThan(aDone);
  });

  it('names the node when neither a credential nor OPENAI_* is there', async () => {
    const saved = [process.env['OPENAI_API_KEY'], process.env['OPENAI_BASE_URL']];
    delete process.env['OPENAI_API_KEY'];
    delete process.env['OPENAI_BASE_URL'];
    try {
      const run = await engine.run(yaml`
id: no-endpoint
nodes:
  - id: ask
    type: llm
    with: { model: m1, prompt: hi }
`);
      expect(run.nodes['ask']?.error).toMatchObject({ code: 'invalid_config' });
      expect(run.nodes['ask']?.error?.message).toMatch(/^ask: no credential named/);
    } finally {
      if (saved[0] !== undefined) process.env['OPENAI_API_KEY'] = saved[0];
      if (saved[1] !== undefined) process.env['OPENAI_BASE_URL'] = saved[1];
    }
  });

  it('uses OPENAI_BASE_URL and OPENAI_API_KEY when no credential is named', async () => {
    const saved = [process.env['OPENAI_API_KEY'], process.env['OPENAI_BASE_URL']];
    process.env['OPENAI_API_KEY'] = 'right-key';
    process.env['OPENAI_BASE_URL'] = ai.url;
    try {
      const run = await engine.run(yaml`
id: from-env
nodes:
  - id: ask
    type: llm
    with: { model: m1, prompt: from env }
`);
      expect(run.output).toMatchObject({ text: 'You said: from env' });
    } finally {
      for (const [k, v] of [
        ['OPENAI_API_KEY', saved[0]],
        ['OPENAI_BASE_URL', saved[1]],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
