/**
 * Imported graphs run: astron-agent canvases (built from astron's node templates) and Dify DSL
 * files are imported, validated as `weft validate` would, and run on the engine against the fake
 * OpenAI-compatible server (test/fixtures/openai-server.mjs) and a local HTTP server, over real
 * HTTP; their outputs are what the source graph computes.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeRegistry, parseDefinition } from '@weft/core';
import { Engine } from '@weft/engine';
import { importAstron, importDify, toYaml, type Translation } from '@weft/importers';
import { standardNodes } from '@weft/nodes';
import { startDemoServer } from '../../../../test/fixtures/openai-server.mjs';
import {
  canvas,
  edge,
  INNER_TEMPLATES,
  node,
  TEMPLATES,
} from '../../../importers/test/astron-canvas.js';
import * as astron from '../../../importers/test/astron-fixtures.js';
import { difyFixture } from '../../../importers/test/dify-fixtures.js';

type Fixture = Awaited<ReturnType<typeof startDemoServer>>;

let ai: Fixture;
let engine: Engine;
let orders: Server;
let ordersUrl: string;
const posted: unknown[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  ai = await startDemoServer({ apiKey: 'demo-key' });
  Object.assign(process.env, {
    OPENAI_BASE_URL: ai.url,
    OPENAI_API_KEY: 'demo-key',
    WEFT_HTTP_ALLOW: '127.0.0.1',
  });
  engine = await Engine.open({
    db: join(mkdtempSync(join(tmpdir(), 'weft-import-')), 'weft.db'),
    secretKey: 'import-test-secret-key-0123456789abcdef',
  });
  await engine.credentials.put('openai', { type: 'openai', base_url: ai.url, api_key: 'demo-key' });
  orders = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posted.push({ path: req.url, source: req.headers['x-source'], body: JSON.parse(body) });
      res.writeHead(201, { 'content-type': 'text/plain' }).end('stored');
    });
  });
  await new Promise<void>((resolve) => orders.listen(0, '127.0.0.1', resolve));
  ordersUrl = `http://127.0.0.1:${(orders.address() as { port: number }).port}`;
});
afterAll(async () => {
  await engine.close();
  await ai.close();
  await new Promise((resolve) => orders.close(resolve));
  for (const k of ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'WEFT_HTTP_ALLOW']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
beforeEach(() => {
  ai.calls.bodies.length = 0;
});

/** The YAML a user gets, checked as weft validate checks it. */
function imported(t: Translation): string {
  const yaml = toYaml(t.document, t.notes);
  const r = parseDefinition(yaml, { registry: new NodeRegistry(standardNodes) });
  expect(
    r.ok ? [] : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`),
  ).toEqual([]);
  return yaml;
}

const chats = (): any[] => ai.calls.bodies.filter((b) => Array.isArray(b?.messages));

describe('astron canvases run', () => {
  it('start -> llm -> end answers with the model reply to the rendered prompt', async () => {
    const run = await engine.run(imported(importAstron(astron.chatCanvas())), {
      input: { AGENT_USER_INPUT: 'hello there' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ output: 'You said: Reply briefly to: hello there' });
    expect(chats()[0].messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Reply briefly to: hello there' },
    ]);
  });

  it('decision: the intent the model picks takes its branch, the others are skipped', async () => {
    const yaml = imported(importAstron(astron.decisionCanvas()));
    ai.script({ json: { class_name: 'shipping' } });
    const run = await engine.run(yaml, { input: { question: 'where is my parcel?' } });
    expect(run.status).toBe('succeeded');
    // A value read from a skipped node is left out of the end node's values.
    expect(run.output).toEqual({
      intent: 'shipping',
      shipping: 'You said: Shipping: where is my parcel?',
    });
    expect(run.nodes['refund_reply']?.status).toBe('skipped');
    expect(run.nodes['sorry']?.status).toBe('skipped');
  });

  it('if-else: the case that holds runs Python code; the else branch a message', async () => {
    const yaml = imported(importAstron(astron.branchCanvas()));
    const big = await engine.run(yaml, { input: { amount: 250, note: 'rush please' } });
    expect(big.status).toBe('succeeded');
    expect(big.output).toEqual({ fee: 25, label: 'rush' });
    const small = await engine.run(yaml, { input: { amount: 250, note: 'whenever' } });
    expect(small.output).toEqual({ text: 'normal order of 250' });
  }, 60_000);

  it('iteration: the body runs per item, the output is the list of the iteration end values', async () => {
    const run = await engine.run(imported(importAstron(astron.iterationCanvas())), {
      input: { words: ['durable', 'fast'] },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ labels: ['word: durable', 'word: fast'] });
  });

  it('knowledge: the query of an empty collection finds nothing; the llm answers from it', async () => {
    const run = await engine.run(imported(importAstron(astron.knowledgeCanvas())), {
      input: { question: 'what is the refund policy?' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({
      answer: 'You said: Using [], answer: what is the refund policy?',
      found: [],
    });
  });

  it('question-answer: the run waits for the answer, which picks the option branch', async () => {
    const run = await engine.run(imported(importAstron(astron.questionCanvas())), {
      input: { order: 'A-17' },
    });
    expect(run.status).toBe('waiting');
    await engine.input(run.id, 'confirm', { content: 'no' });
    const done = await engine.wait(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ answer: 'no', asked: 'Ship order {{order}} now?' });
    expect(done.nodes['holding']?.output).toEqual({ text: 'holding A-17' });
    expect(done.nodes['shipping']?.status).toBe('skipped');
  });

  it('a canvas of every node template as astron makes it (nothing filled in) validates', () => {
    for (const templates of [TEMPLATES, INNER_TEMPLATES]) {
      const kinds = Object.keys(templates).filter((k) => k !== 'node-start' && k !== 'node-end');
      const chain = ['node-start::x', ...kinds.map((k) => `${k}::x`), 'node-end::x'];
      const text = canvas(
        [node('node-start', 'x'), ...kinds.map((k) => node(k, 'x')), node('node-end', 'x')],
        chain.slice(1).map((to, i) => edge(chain[i]!, to)),
      );
      imported(importAstron(text));
    }
  });

  it('a canvas with nodes that do not map still runs what maps', async () => {
    const t = importAstron(astron.unsupportedCanvas());
    expect(t.unsupported).toHaveLength(2);
    const run = await engine.run(imported(t), { input: { q: 'hi' } });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ answer: 'You said: hi', rows: null });
  });
});

describe('Dify DSL files run', () => {
  it('a graph of every node type as Dify makes it (nothing filled in) validates', () => {
    const kinds = ['start', 'llm', 'code', 'if-else', 'question-classifier', 'knowledge-retrieval']
      .concat(['http-request', 'template-transform', 'variable-aggregator', 'parameter-extractor'])
      .concat(['variable-assigner', 'tool', 'iteration', 'answer', 'end']);
    const nodes = kinds.map((k, i) => ({ id: `n${i}`, data: { type: k, title: k } }));
    const edges = nodes.slice(1).map((n, i) => ({ source: nodes[i]!.id, target: n.id }));
    const app = {
      kind: 'app',
      app: { mode: 'workflow', name: 'all' },
      workflow: { graph: { nodes, edges } },
    };
    const t = importDify(JSON.stringify(app));
    expect(t.unsupported.map((u) => u.kind)).toEqual(['variable-assigner', 'tool']);
    imported(t);
  });

  it('a chatflow answers sys.query through its LLM', async () => {
    const run = await engine.run(imported(importDify(difyFixture('chatflow'))), {
      input: { query: 'why?' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ answer: 'You said: why?' });
  });

  it('the classifier routes to the class the model picks; the aggregator takes that reply', async () => {
    const yaml = imported(importDify(difyFixture('triage')));
    ai.script({ json: { class_name: 'billing' } });
    const run = await engine.run(yaml, { input: { message: 'refund my invoice' } });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ reply: 'You said: refund my invoice', category: 'billing' });
    expect(chats()[1].messages[0]).toEqual({
      role: 'system',
      content: 'You handle billing questions. Sign as The support team.',
    });
  });

  it('code, if-else, template and http: each branch as Dify runs it', async () => {
    const yaml = imported(importDify(difyFixture('orders')));
    const small = await engine.run(yaml, { input: { customer: 'Ada', quantity: 2, price: 12.5 } });
    expect(small.status).toBe('succeeded');
    expect(small.output).toEqual({
      summary: 'Order for Ada: 25 in [{"qty":2,"price":12.5}] line(s).',
      total: 25,
    });
    const big = await engine.run(yaml, {
      input: { customer: 'Bob', quantity: 10, price: 12.5, api_base: ordersUrl },
    });
    expect(big.status).toBe('succeeded');
    expect(big.output).toEqual({ reported: 201, total: 125 });
    expect(posted).toEqual([
      { path: '/orders', source: 'dify', body: { customer: 'Bob', total: 125 } },
    ]);
  }, 60_000);

  it('a workflow tool runs the other app, imported and published, as a child run', async () => {
    await engine.publish(imported(importDify(difyFixture('chatflow'))));
    const run = await engine.run(imported(importDify(difyFixture('workflow-tool'))), {
      input: { question: 'why durable?' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ answer: 'You said: Briefly: why durable?' });
  });

  it('an iteration over the lines JavaScript split; the extractor answers JSON', async () => {
    const t = importDify(difyFixture('batch'));
    expect(t.unsupported.map((u) => u.kind)).toEqual(['tool']);
    ai.script(
      { model: 'gpt-4o-mini', text: 'un' },
      { model: 'gpt-4o-mini', text: 'deux' },
      { json: { count: 2 } },
    );
    const run = await engine.run(imported(t), {
      input: { lines: 'one\ntwo\n', language: 'French' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ translations: ['un', 'deux'], count: 2, extracted: true });
  });
});
