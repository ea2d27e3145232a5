/**
 * The `agent` node through the Engine, against the fake OpenAI-compatible server and real tools
 * (a counting HTTP server, code, a stored workflow, the MCP fixture over stdio): the loop, parallel
 * tool calls, durable steps (a retry and an approval repeat no recorded call), approvals (reject,
 * edited arguments), max_steps, token budgets, and bad tools.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAiServer } from '../../../test/fixtures/openai-server.mjs';
import { Engine } from '../src/index.js';
import { SECRET_A } from './credentials/support.js';
import { tempDb, yaml } from './helpers.js';
import { countFile, stdioServer } from './mcp-fixture.js';

type Fixture = Awaited<ReturnType<typeof startOpenAiServer>>;

let ai: Fixture;
let engine: Engine;
let tools: Server;
let toolUrl: string;
/** Requests the tool server got: path, body and idempotency key. */
let hits: { path: string; body: unknown; key: string | undefined }[] = [];
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  ai = await startOpenAiServer({ apiKey: 'k' });
  tools = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const body: unknown = text === '' ? null : JSON.parse(text);
      const key = req.headers['idempotency-key'];
      hits.push({ path: req.url ?? '', body, key: typeof key === 'string' ? key : undefined });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ order: 'A-1', status: 'shipped', got: body }));
    });
  });
  await new Promise<void>((r) => tools.listen(0, '127.0.0.1', r));
  toolUrl = `http://127.0.0.1:${(tools.address() as AddressInfo).port}`;
  engine = await Engine.open({ db: tempDb(), secretKey: SECRET_A });
  await engine.credentials.put('ai', { type: 'openai', base_url: ai.url, api_key: 'k' });
});
afterAll(async () => {
  await engine.close();
  await ai.close();
  await new Promise((r) => tools.close(r));
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});
beforeEach(() => {
  ai.calls.bodies.length = 0;
  ai.calls.total = 0;
  hits = [];
});

const lookupTool = () => `
      - id: lookup
        type: http
        description: Looks an order up.
        parameters: { type: object, properties: { order_id: { type: string } }, required: [order_id] }
        with: { method: POST, url: "${toolUrl}/orders", body: "{{ args }}" }
      - id: double
        type: code
        description: Doubles a number.
        parameters: { type: object, properties: { n: { type: number } } }
        with: { input: "{{ args }}", source: "return { n: input.n * 2 }" }`;

const agentWorkflow = (extra = '', node = '') => yaml`
id: agent-test
nodes:
  - id: support
    type: agent
${node}    with:
      credential: ai
      model: m1
      system: You help customers.
      prompt: Where is order A-1?
      tools:${lookupTool()}
${extra}`;

/** The chat requests the fixture got, as the agent sent them. */
const chatBodies = () => ai.calls.bodies.filter((b) => Array.isArray(b?.messages));

describe('agent node', () => {
  it('loops: parallel tool calls, results back to the model, a final answer with steps and usage', async () => {
    ai.script(
      {
        toolCalls: [
          { id: 'a', name: 'lookup', arguments: { order_id: 'A-1' } },
          { id: 'b', name: 'double', arguments: { n: 21 } },
        ],
      },
      { text: 'Order A-1 has shipped; 21 doubled is 42.' },
    );
    const run = await engine.run(agentWorkflow());
    expect(run.status).toBe('succeeded');
    const out = run.output as Record<string, any>;
    expect(out['text']).toBe('Order A-1 has shipped; 21 doubled is 42.');
    expect(out['steps'].map((s: any) => [s.type, s.tool ?? null])).toEqual([
      ['model', null],
      ['tool', 'lookup'],
      ['tool', 'double'],
      ['model', null],
    ]);
    expect(out['steps'][2].result).toEqual({ n: 42 });
    expect(out['usage'].total_tokens).toBe(
      out['steps'][0].usage.total_tokens + out['steps'][3].usage.total_tokens,
    );
    // The tool's http request: rendered from the model's arguments, with its own idempotency key.
    expect(hits).toHaveLength(1);
    expect(hits[0]!.body).toEqual({ order_id: 'A-1' });
    expect(hits[0]!.key).toBe(`${run.id}:support:1:a`);
    // The second model call saw both results, and the tools were offered with their schemas.
    const [first, second] = chatBodies();
    expect(first.tools.map((t: any) => t.function.name)).toEqual(['lookup', 'double']);
    expect(first.tools[0].function.parameters.required).toEqual(['order_id']);
    const results = second.messages.filter((m: any) => m.role === 'tool');
    expect(results.map((m: any) => m.tool_call_id)).toEqual(['a', 'b']);
    expect(JSON.parse(results[1].content)).toEqual({ n: 42 });
  });

  it('replays recorded model and tool calls to a retried attempt', async () => {
    ai.script(
      { toolCalls: [{ id: 'a', name: 'lookup', arguments: { order_id: 'A-1' } }] },
      { status: 500 },
      { text: 'done' },
    );
    const run = await engine.run(
      agentWorkflow('', '    retry: { max_attempts: 2, initial_ms: 1 }\n'),
    );
    expect(run.status).toBe('succeeded');
    expect(run.nodes['support']?.attempts).toBe(2);
    // Three chat calls in all (the first is not made again), and one tool call.
    expect(chatBodies()).toHaveLength(3);
    expect(hits).toHaveLength(1);
  });

  it('waits for an approval; a rejection goes to the model and nothing before it runs again', async () => {
    ai.script(
      { toolCalls: [{ id: 'r', name: 'lookup', arguments: { order_id: 'A-1' } }] },
      { text: 'I will not look it up.' },
    );
    const run = await engine.run(agentWorkflow('      approve: [lookup]\n'));
    expect(run.status).toBe('waiting');
    expect(await engine.waitingForAnswer(run.id)).toEqual(['support']);
    const waiting = [];
    for await (const e of engine.events(run.id, { follow: false })) {
      if (e.type === 'node.waiting') waiting.push(e.data);
    }
    expect(waiting[0]).toMatchObject({
      prompt: { tool: 'lookup', arguments: { order_id: 'A-1' } },
      schema: { required: ['approve'] },
    });
    await expect(engine.input(run.id, 'support', { approve: 'yes' })).rejects.toMatchObject({
      code: 'invalid_answer',
    });
    await engine.input(run.id, 'support', { approve: false, reason: 'not allowed' });
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(hits).toHaveLength(0);
    const bodies = chatBodies();
    expect(bodies).toHaveLength(2);
    const result = bodies[1].messages.find((m: any) => m.role === 'tool');
    expect(JSON.parse(result.content)).toEqual({ rejected: true, reason: 'not allowed' });
  });

  it('runs an approved call with the arguments the person edited', async () => {
    ai.script(
      { toolCalls: [{ id: 'r', name: 'lookup', arguments: { order_id: 'A-1' } }] },
      { text: 'ok' },
    );
    const run = await engine.run(agentWorkflow('      approve: [lookup]\n'));
    await engine.input(run.id, 'support', { approve: true, arguments: { order_id: 'B-2' } });
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(hits.map((h) => h.body)).toEqual([{ order_id: 'B-2' }]);
    expect(chatBodies()).toHaveLength(2);
  });

  it('tells the model of a tool it does not have, and stops at max_steps', async () => {
    ai.script(
      { toolCalls: [{ id: 'x', name: 'refund', arguments: {} }] },
      { toolCalls: [{ id: 'y', name: 'double', arguments: { n: 1 } }] },
    );
    const run = await engine.run(agentWorkflow('      max_steps: 2\n'));
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'agent_max_steps' });
    const second = chatBodies()[1];
    const told = second.messages.find((m: any) => m.role === 'tool');
    expect(JSON.parse(told.content)).toMatchObject({ error: { code: 'tool_not_found' } });
  });

  it('calls a stored workflow and an MCP server as tools', async () => {
    await engine.publish(yaml`
id: shout
description: Shouts a word.
inputs: { type: object, properties: { word: { type: string } }, required: [word] }
nodes:
  - { id: up, type: transform, with: { expression: "$uppercase(inputs.word)" } }
outputs: { loud: "{{ up }}" }
`);
    const counts = countFile();
    ai.script(
      {
        toolCalls: [
          { id: 'w', name: 'shout', arguments: { word: 'hey' } },
          { id: 'm', name: 'add', arguments: { a: 2, b: 3 } },
        ],
      },
      { text: 'done' },
    );
    const run = await engine.run(yaml`
id: agent-tools
nodes:
  - id: a
    type: agent
    with:
      credential: ai
      model: m1
      prompt: go
      tools:
        - { workflow: shout }
        - { mcp: '${stdioServer}', only: [add] }
`);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const steps = (run.output as any).steps;
    expect(steps[1]).toMatchObject({ tool: 'shout', result: { loud: 'HEY' } });
    expect(steps[2].result.text).toBe('5');
    const offered = chatBodies()[0].tools.map((t: any) => t.function);
    expect(offered.map((f: any) => f.name)).toEqual(['shout', 'add']);
    expect(offered[0].parameters.required).toEqual(['word']);
    expect(counts.calls()).toBe(0); // the counting file was not given to this server
  });

  it('fails with token_budget_exceeded and the usage so far once limits.tokens is spent', async () => {
    ai.script(
      { toolCalls: [{ id: 'a', name: 'double', arguments: { n: 1 } }] },
      { text: 'never asked' },
    );
    const run = await engine.run(agentWorkflow('', '    limits: { tokens: 30 }\n'));
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'token_budget_exceeded' });
    expect((run.error?.details as any).usage.total_tokens).toBeGreaterThanOrEqual(30);
    expect(chatBodies()).toHaveLength(1);
    // The first call asked for no more than the budget as its completion.
    expect(chatBodies()[0].max_tokens).toBeLessThanOrEqual(30);
  });

  it('refuses a tool of a type that is not registered, naming it', async () => {
    const run = await engine.run(yaml`
id: bad-tool
nodes:
  - id: a
    type: agent
    with:
      credential: ai
      model: m1
      prompt: go
      tools:
        - { id: nope, type: teleport }
`);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/tool "nope" has type "teleport", which is not registered/);
  });
});
