/**
 * Issue 11, observability of AI steps, over real HTTP: an `agent` run through the server, against
 * the fake OpenAI server, gives a GenAI span per model call (`chat <model>`: operation, model,
 * tokens, finish reason) and per tool call (`execute_tool <name>`) under its node's span, and
 * token and call counters at `/metrics`, labelled with the tenant.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer } from '../../../test/fixtures/openai-server.mjs';
import { ACME, publish, startTestServer, yaml, type TestServer } from './helpers.js';
import { recordingProvider } from './recording-tracer.js';

let ai: Awaited<ReturnType<typeof startOpenAiServer>>;
let t: TestServer;
const saved = {
  allow: process.env['WEFT_HTTP_ALLOW'],
  base: process.env['OPENAI_BASE_URL'],
  key: process.env['OPENAI_API_KEY'],
};
const restore = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};

beforeAll(async () => {
  ai = await startOpenAiServer({ apiKey: 'k' });
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  process.env['OPENAI_BASE_URL'] = ai.url;
  process.env['OPENAI_API_KEY'] = 'k';
});
afterAll(async () => {
  await t?.close();
  await ai.close();
  trace.disable();
  restore('WEFT_HTTP_ALLOW', saved.allow);
  restore('OPENAI_BASE_URL', saved.base);
  restore('OPENAI_API_KEY', saved.key);
});

describe('GenAI telemetry', () => {
  it('spans each model and tool call under its node, and counts tokens per tenant', async () => {
    const { provider, spans } = recordingProvider();
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    t = await startTestServer();
    await publish(
      t,
      yaml`
id: helper
nodes:
  - id: a
    type: agent
    with:
      model: m1
      prompt: double 21
      tools:
        - id: double
          type: code
          parameters: { type: object, properties: { n: { type: number } } }
          with: { input: "{{ args }}", source: "return input.n * 2" }
`,
    );
    ai.script(
      { toolCalls: [{ id: 'c1', name: 'double', arguments: { n: 21 } }], cachedTokens: 3 },
      { text: '42' },
    );
    const res = await t.call('/v1/workflows/helper/runs?wait=true', { key: ACME, json: {} });
    const run = (await res.json()) as { status: string; output: { usage: Record<string, number> } };
    expect(run.status).toBe('succeeded');

    const node = spans.find((s) => s.name === 'node a')!;
    const chats = spans.filter((s) => s.name === 'chat m1');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.parent).toBe(node);
      expect(chat.end).toBeGreaterThanOrEqual(chat.start);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'm1',
        'weft.node.path': 'a',
      });
      expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    }
    expect(chats[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(chats[1]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const tool = spans.find((s) => s.name === 'execute_tool double')!;
    expect(tool.parent).toBe(node);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'double',
    });

    const metrics = await (await t.call('/metrics', { key: ACME })).text();
    const sample = (type: string) =>
      Number(
        new RegExp(
          `^weft_model_tokens_total\\{[^}]*model="m1"[^}]*type="${type}"[^}]*\\} (\\d+)`,
          'm',
        ).exec(metrics)?.[1],
      );
    expect(sample('input')).toBe(run.output.usage['prompt_tokens']);
    expect(sample('output')).toBe(run.output.usage['completion_tokens']);
    expect(sample('cached_input')).toBe(3);
    expect(metrics).toMatch(
      /weft_model_tool_calls_total\{[^}]*kind="tool"[^}]*name="double"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/weft_model_tokens_total\{[^}]*tenant="acme"/);
  });
});
