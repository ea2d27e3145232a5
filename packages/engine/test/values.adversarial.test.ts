/**
 * Values that would crash the engine instead of the node (issue 17, section 2), through the Engine
 * library: JSON nested thousands of levels deep from an `http` answer, outputs, progress and error
 * details of a plugin that are too deep, too large or not JSON, hostile run inputs, webhook bodies
 * and answers. Each must end its run (or its request) with a clear error while the process, other
 * runs and the store stay sound.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { customCode, defineNode, Engine, WeftError, type RunView } from '../src/index.js';
import { tempDb, yaml } from './helpers.js';

/** `[[[...]]]` nested `depth` levels, built without recursion. */
function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** `{"a":{"a":...}}` nested `depth` levels. */
function deepObject(depth: number): unknown {
  let v: unknown = { leaf: true };
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

const deepArrayText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObjectText = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

// A real HTTP server the `http` node calls: /array/N and /object/N answer JSON N levels deep.
let server: Server;
let base: string;
let savedAllow: string | undefined;
beforeAll(async () => {
  server = createServer((req, res) => {
    const [, kind, n] = (req.url ?? '').split('/');
    const depth = Number(n);
    const body =
      kind === 'array' ? deepArrayText(depth) : kind === 'object' ? deepObjectText(depth) : '{}';
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  savedAllow = process.env['WEFT_HTTP_ALLOW'];
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
});
afterAll(async () => {
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
  await new Promise((resolve) => server.close(resolve));
});

/** Makes values no entry check should let through; `kind` picks one. */
const hostile = defineNode({
  type: 'hostile',
  description: 'returns, emits or throws a hostile value',
  params: z.object({ kind: z.string(), depth: z.number().optional() }),
  run: (ctx, p) => {
    const depth = p.depth ?? 10_000;
    switch (p.kind) {
      case 'deep':
        return deepArray(depth);
      case 'deep-object':
        return deepObject(depth);
      case 'cyclic': {
        const o: Record<string, unknown> = { a: 1 };
        o['self'] = o;
        return o;
      }
      case 'bigint':
        return { n: 10n };
      case 'huge':
        return { text: 'x'.repeat(5 * 1024 * 1024) };
      case 'deep-progress':
        ctx.emit.progress(deepArray(depth));
        return { done: true };
      case 'huge-message':
        ctx.emit.message('m'.repeat(5 * 1024 * 1024));
        return { done: true };
      case 'cyclic-details': {
        const details: Record<string, unknown> = {};
        details['self'] = details;
        throw new WeftError(customCode('Hostile'), 'failed with cyclic details', { details });
      }
      case 'deep-details':
        throw new WeftError(customCode('Hostile'), 'failed with deep details', {
          details: deepArray(depth),
        });
      default:
        return { fine: true };
    }
  },
});

let engine: Engine;
let witness: RunView;
beforeEach(async () => {
  engine = await Engine.open({ db: tempDb(), nodes: [hostile] });
  await engine.publish(yaml`
id: fine
nodes:
  - { id: a, type: transform, with: { expression: "{ 'n': 1 }" } }
`);
  // A run finished before the hostile one: it must read back the same after.
  witness = await engine.run('fine');
  expect(witness.status).toBe('succeeded');
});
afterEach(async () => {
  await engine.close();
});

/** Another run completes, the store answers, and what was stored before reads back the same. */
async function expectSound(): Promise<void> {
  const other = await engine.run('fine');
  expect(other).toMatchObject({ status: 'succeeded', output: { n: 1 } });
  await engine.ping();
  expect(await engine.get(witness.id)).toEqual(witness);
}

/** Every stored event of a run, read back: the run's rows are intact JSON, in order, no gaps. */
async function expectEventsReadable(runId: string): Promise<void> {
  const seqs: number[] = [];
  for await (const e of engine.events(runId, { follow: false })) seqs.push(e.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

/** Runs `definition` to its end; it must not stay running. */
async function runToEnd(definition: string, input: unknown = {}): Promise<RunView> {
  const { id } = await engine.start(definition, { input });
  const view = await engine.wait(id, { until: 'finished' });
  await expectEventsReadable(id);
  return view;
}

describe('JSON nested deep in an http answer fails the node', () => {
  const httpRun = (path: string, onError = 'fail') => yaml`
id: deep-http
nodes:
  - { id: get, type: http, on_error: ${onError}, with: { url: "${base}${path}" } }
`;

  it.each([
    ['3,200 nested arrays', '/array/3200'],
    ['100,000 nested arrays', '/array/100000'],
    ['5,000 nested objects', '/object/5000'],
    // The output is `{ status, headers, body }`: a body 64 deep makes it 65.
    ['64 nested arrays, the output one level past the limit', '/array/64'],
  ])('%s: the run fails with output_too_large naming maxDepth', async (_, path) => {
    const view = await runToEnd(httpRun(path));
    expect(view.status).toBe('failed');
    expect(view.nodes['get']).toMatchObject({
      status: 'failed',
      error: { code: 'output_too_large', message: expect.stringContaining('maxDepth = 64') },
    });
    expect(view.error).toMatchObject({ code: 'output_too_large' });
    await expectSound();
  });

  it('a body of 63 levels, an output at the limit itself, is fine', async () => {
    const view = await runToEnd(httpRun('/array/63'));
    expect(view.nodes['get']).toMatchObject({ status: 'succeeded', output: { status: 200 } });
  });

  it('the error branch takes a failure for depth as any other', async () => {
    const view = await runToEnd(yaml`
id: deep-http-branch
nodes:
  - { id: get, type: http, on_error: branch, with: { url: "${base}/array/3200" } }
  - { id: handled, type: transform, needs: [{ node: get, port: error }], with: { expression: "get.error.code" } }
`);
    expect(view).toMatchObject({ status: 'succeeded', output: 'output_too_large' });
    await expectSound();
  });
});

describe('what a plugin hands back enters the run checked', () => {
  const hostileRun = (kind: string, depth?: number) => yaml`
id: hostile-${kind}
nodes:
  - { id: h, type: hostile, with: { kind: ${kind}${depth === undefined ? '' : `, depth: ${depth}`} } }
`;

  it.each([
    ['an output 10,000 arrays deep', 'deep', 10_000, 'output_too_large', 'maxDepth'],
    ['an output 3,200 objects deep', 'deep-object', 3200, 'output_too_large', 'maxDepth'],
    ['an output of 5 MiB', 'huge', undefined, 'output_too_large', 'limit is'],
    ['a cyclic output', 'cyclic', undefined, 'invalid_value', 'not JSON data'],
    ['an output holding a BigInt', 'bigint', undefined, 'invalid_value', 'not JSON data'],
    ['progress data 10,000 deep', 'deep-progress', 10_000, 'output_too_large', 'progress data'],
    ['a message of 5 MiB', 'huge-message', undefined, 'output_too_large', 'message of h'],
  ])('%s fails the node: %s', async (_, kind, depth, code, words) => {
    const view = await runToEnd(hostileRun(kind, depth));
    expect(view.status).toBe('failed');
    expect(view.nodes['h']).toMatchObject({
      status: 'failed',
      error: { code, message: expect.stringContaining(words) },
    });
    await expectSound();
  });

  it.each([
    ['cyclic', 'cyclic-details', undefined],
    ['10,000 levels deep', 'deep-details', 10_000],
  ])('error details that are %s are left out, the error kept', async (_, kind, depth) => {
    const view = await runToEnd(hostileRun(kind, depth));
    expect(view.status).toBe('failed');
    const error = view.nodes['h']?.error;
    expect(error).toMatchObject({
      code: 'Hostile',
      message: expect.stringContaining('details left out'),
    });
    expect(error).not.toHaveProperty('details');
    await expectSound();
  });
});

describe('run inputs and webhook bodies are checked where they enter', () => {
  beforeEach(async () => {
    await engine.publish(yaml`
id: hooked
triggers: [{ type: webhook, path: hooked }]
nodes: [{ id: a, type: noop }]
`);
  });

  it.each([
    ['100,000 levels', deepArray(100_000)],
    ['3,200 levels', deepObject(3200)],
    ['65 levels', deepArray(65)],
  ])('an input nested %s is refused with invalid_input; no run is made', async (_, value) => {
    const before = (await engine.store.listRuns({ tenant: 'default', limit: 100 })).runs.length;
    await expect(engine.start('hooked', { input: { value } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('maxDepth'),
    });
    const after = (await engine.store.listRuns({ tenant: 'default', limit: 100 })).runs.length;
    expect(after).toBe(before);
    await expectSound();
  });

  it.each([
    ['a parsed body 100,000 levels deep', { body: { value: deepArray(100_000) } }],
    ['a parsed body 3,200 levels deep', { body: deepObject(3200) }],
    ['a raw body 100,000 levels deep', { rawBody: deepArrayText(100_000) }],
  ])('a webhook with %s is refused with invalid_input', async (_, body) => {
    await expect(
      engine.webhooks.deliver({ tenant: 'default', path: 'hooked', ...body }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('deep') });
    await expectSound();
  });
});

describe('answers are checked where they enter', () => {
  it.each([
    ['100,000 levels', deepArray(100_000)],
    ['3,200 levels', deepObject(3200)],
  ])('an answer nested %s is refused; the node waits on and takes a good one', async (_, bad) => {
    await engine.publish(yaml`
id: ask
nodes: [{ id: ask, type: human, with: { prompt: "?" } }]
`);
    const { id } = await engine.start('ask');
    expect((await engine.wait(id)).status).toBe('waiting');
    await expect(engine.input(id, 'ask', { bad })).rejects.toMatchObject({
      code: 'invalid_answer',
      message: expect.stringContaining('maxDepth'),
    });
    expect((await engine.get(id))?.nodes['ask']?.status).toBe('waiting');
    await engine.input(id, 'ask', { ok: true });
    expect(await engine.wait(id)).toMatchObject({ status: 'succeeded', output: { ok: true } });
    await expectSound();
  });
});
