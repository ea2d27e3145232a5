/**
 * Serverless Workflow tasks beyond the conformance kit, through the real engine on SQLite: a
 * `fork` of all branches, `wait`, `export` and `$context`, `if`, the workflow's `input.from` and
 * `output.as`, `run: workflow`, a catch's retry policy, `for` with `while` and over nothing,
 * `listen`, and a jq error at run time.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '@weft/engine';

let engine: Engine;
let flaky: Server;
let flakyUrl = '';
let calls = 0;
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  // Answers 503 twice, then 200: for a catch's retry policy.
  flaky = createServer((_req, res) => {
    calls++;
    res.writeHead(calls <= 2 ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ call: calls }));
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/flaky`;
  engine = await Engine.open({ db: join(mkdtempSync(join(tmpdir(), 'weft-sw-')), 'sw.db') });
});

afterAll(async () => {
  await engine.close();
  await new Promise<void>((r) => flaky.close(() => r()));
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});

const head = (name: string): string =>
  `document: { dsl: '1.0.3', namespace: test, name: ${name}, version: '1.0.0' }\n`;

async function run(text: string, input: Record<string, unknown> = {}) {
  const { id } = await engine.publish(text);
  return engine.run(id, { input });
}

describe('Serverless Workflow tasks', () => {
  it('fork without compete: the array of every branch output, in branch order', async () => {
    const r = await run(
      `${head('fork-all')}do:
  - both:
      fork:
        branches:
          - double: { set: { n: '\${ .n * 2 }' } }
          - square: { set: { n: '\${ .n * .n }' } }
`,
      { n: 3 },
    );
    expect(r).toMatchObject({ status: 'succeeded', output: [{ n: 6 }, { n: 9 }] });
  });

  it('wait passes the data through after a durable timer', async () => {
    const r = await run(
      `${head('waits')}do:\n  - pause: { wait: { milliseconds: 20 } }\n  - after: { set: { was: '\${ .x }' } }\n`,
      { x: 7 },
    );
    expect(r).toMatchObject({ status: 'succeeded', output: { was: 7 } });
    expect(r.nodes['pause']).toMatchObject({ status: 'succeeded' });
  });

  it('export.as sets $context for the tasks after it; if skips a task', async () => {
    const r = await run(
      `${head('context')}do:
  - remember:
      set: { n: 1 }
      export: { as: '{ seen: .n }' }
  - skipped:
      if: $context.seen == 2
      set: { n: 100 }
  - read:
      set: { n: '\${ .n }', context: '\${ $context.seen }' }
`,
    );
    expect(r).toMatchObject({ status: 'succeeded', output: { n: 1, context: 1 } });
    expect(r.nodes['skipped']).toMatchObject({ status: 'skipped' });
  });

  it('$context is null before any export; $task names the task', async () => {
    const r = await run(
      `${head('task-vars')}do:\n  - first: { set: { context: '\${ $context }', task: '\${ $task }' } }\n`,
    );
    expect(r).toMatchObject({
      status: 'succeeded',
      output: { context: null, task: { name: 'first', reference: '/do/0/first' } },
    });
  });

  it("the workflow's input.from and output.as", async () => {
    const r = await run(
      `${head('filters')}input: { from: .order }\noutput: { as: .total }\ndo:\n  - sum: { set: { total: '\${ .a + .b }' } }\n`,
      { order: { a: 2, b: 3 } },
    );
    expect(r).toMatchObject({ status: 'succeeded', output: 5 });
  });

  it('run: workflow runs the stored workflow of that name as a child run', async () => {
    await engine.publish(`${head('child')}do:\n  - greet: { set: { hello: '\${ .name }' } }\n`);
    const r = await run(
      `${head('parent')}do:
  - call:
      run:
        workflow: { namespace: test, name: child, version: '1.0.0', input: { name: .user } }
`,
      { user: 'Ada' },
    );
    expect(r).toMatchObject({ status: 'succeeded', output: { hello: 'Ada' } });
  });

  it("a catch's retry policy retries a failing call (503 twice, then 200)", async () => {
    calls = 0;
    const r = await run(
      `${head('retries')}do:
  - get:
      try:
        - call: { call: http, with: { method: get, endpoint: '${flakyUrl}' } }
      catch:
        errors: { with: { status: 503 } }
        retry:
          delay: { milliseconds: 10 }
          backoff: { constant: {} }
          limit: { attempt: { count: 3 } }
`,
    );
    expect(r).toMatchObject({ status: 'succeeded', output: { call: 3 } });
    expect(calls).toBe(3);
  });

  it('for with while stops once the condition fails after an iteration; items may be arrays', async () => {
    const r = await run(
      `${head('for-while')}do:
  - add:
      for: { each: pair, in: .pairs, at: i }
      while: .total < 10
      do:
        - step:
            set:
              total: '\${ (.total // 0) + ($pair | add) }'
              seen: '\${ (.seen // []) + [$i] }'
              pairs: '\${ .pairs }'
`,
      {
        pairs: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
    );
    expect(r).toMatchObject({ status: 'succeeded', output: { total: 10, seen: [0, 1] } });
  });

  it('listen waits for an event delivered to the run, refuses one of another type, outputs [event]', async () => {
    const { id } = await engine.publish(
      `${head('listens')}do:
  - awaitPayment:
      listen:
        to:
          one:
            with: { type: com.example.paid, source: '\${ .shop }' }
  - record:
      set: { paid: '\${ .[0].data.amount }' }
`,
    );
    const waiting = await engine.run(id, { input: { shop: 'https://shop.example' } });
    expect(waiting).toMatchObject({ status: 'waiting' });
    await expect(
      engine.input(waiting.id, 'awaitPayment', {
        type: 'com.example.other',
        source: 'https://shop.example',
      }),
    ).rejects.toMatchObject({ code: 'invalid_answer' });
    await engine.input(waiting.id, 'awaitPayment', {
      type: 'com.example.paid',
      source: 'https://shop.example',
      data: { amount: 40 },
    });
    expect(await engine.wait(waiting.id)).toMatchObject({
      status: 'succeeded',
      output: { paid: 40 },
    });
  });

  it('call: http with output: response keeps the credentials it sent out of the output', async () => {
    calls = 10;
    const r = await run(
      `${head('response')}do:
  - get:
      call: http
      with:
        method: get
        endpoint: { uri: '${flakyUrl}', authentication: { bearer: { token: secret-token } } }
        output: response
`,
    );
    expect(r).toMatchObject({
      status: 'succeeded',
      output: {
        statusCode: 200,
        request: { method: 'GET', headers: { authorization: '[redacted]' } },
      },
    });
    expect(JSON.stringify(r.output)).not.toContain('secret-token');
  });

  it('a function of use.functions is called with its arguments; its input schema is checked', async () => {
    calls = 10;
    const text = `${head('functions')}use:
  functions:
    fetch:
      input:
        schema:
          document: { type: object, required: [page], properties: { page: { type: integer } } }
      call: http
      with: { method: get, endpoint: '${flakyUrl}?page={page}' }
do:
  - get:
      call: fetch
      with: { page: '\${ .page }' }
      output: { as: .call }
`;
    expect(await run(text, { page: 2 })).toMatchObject({ status: 'succeeded', output: 11 });
    const refused = await run(text, { page: 'two' });
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatchObject({
      code: 'sw.validation',
      details: { status: 400, detail: expect.stringMatching(/page/) },
    });
  });

  it("the workflow's input.schema becomes the run's inputs: a bad input starts nothing", async () => {
    const { id } = await engine.publish(
      `${head('typed')}input:\n  schema:\n    document: { type: object, required: [n] }\ndo:\n  - a: { set: { n: '\${ .n }' } }\n`,
    );
    await expect(engine.run(id, { input: {} })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await engine.run(id, { input: { n: 1 } })).toMatchObject({ output: { n: 1 } });
  });

  it('for over an empty list leaves the data as it was', async () => {
    const r = await run(
      `${head('for-none')}do:\n  - each:\n      for: { in: .items }\n      do:\n        - add: { set: { n: '\${ .n + 1 }' } }\n`,
      { items: [], n: 0 },
    );
    expect(r).toMatchObject({ status: 'succeeded', output: { items: [], n: 0 } });
  });

  it('a jq error at run time fails the task, uncaught, as an SW expression error', async () => {
    const r = await run(`${head('jq-fails')}do:\n  - bad: { set: { n: '\${ .a.b + 1 }' } }\n`, {
      a: 'text',
    });
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({
      code: 'expression_error',
      message: expect.stringMatching(/^jq: /),
    });
  });
});
