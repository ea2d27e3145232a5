/**
 * User-named keys that are JavaScript prototype keys (issue 17, section 2): a node id `__proto__`
 * used to be accepted at publish and to vanish from the run view, whose prototype became the
 * node's record. Ids that are prototype keys are refused at publish, the run view keeps such a key
 * as an entry, an `http` header of that name stays in the output, and an answer's field named
 * after a prototype key must really be there.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NodeRecord, RunRecord } from '@weft/core';
import { Engine } from '../src/index.js';
import { runView } from '../src/run-view.js';
import { tempDb, yaml } from './helpers.js';

let engine: Engine;
beforeEach(async () => {
  engine = await Engine.open({ db: tempDb() });
});
afterEach(async () => {
  await engine.close();
});

describe('node ids that are JavaScript prototype keys', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    '`%s` is refused at publish, at its line and column',
    async (id) => {
      const text = yaml`
id: protos
nodes:
  - { id: a, type: noop }
  - id: ${id}
    type: noop
`;
      const checked = engine.validate(text);
      expect(checked.ok).toBe(false);
      expect(checked.diagnostics).toContainEqual(
        expect.objectContaining({
          path: 'nodes[1].id',
          line: 4,
          column: 9,
          message: expect.stringContaining(`node id \`${id}\` is not allowed`),
        }),
      );
      await expect(engine.publish(text)).rejects.toMatchObject({ code: 'invalid_definition' });
    },
  );

  it('a stored node named __proto__ (published before the check) is an entry of the run view', () => {
    const node = (path: string, output: number): NodeRecord => ({
      runId: 'r',
      path,
      nodeId: path,
      status: 'succeeded',
      attempts: 1,
      output,
      state: {},
    });
    const run: RunRecord = {
      id: 'r',
      tenant: 'default',
      workflowId: 'w',
      version: 1,
      status: 'succeeded',
      input: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      priority: 0,
      seq: 3,
      state: {},
    };
    const view = runView(run, [node('__proto__', 1), node('b', 2)], undefined);
    expect(Object.getPrototypeOf(view.nodes)).toBe(Object.prototype);
    expect(Object.keys(view.nodes)).toEqual(['__proto__', 'b']);
    expect(JSON.parse(JSON.stringify(view.nodes))).toEqual(
      JSON.parse(
        '{"__proto__":{"status":"succeeded","attempts":1,"output":1},"b":{"status":"succeeded","attempts":1,"output":2}}',
      ),
    );
  });
});

describe('answers', () => {
  it('a field named after a prototype key must really be given', async () => {
    await engine.publish(yaml`
id: ask-proto
nodes:
  - id: ask
    type: human
    with:
      prompt: "?"
      schema: { type: object, required: [constructor, toString] }
`);
    const { id } = await engine.start('ask-proto');
    await engine.wait(id);
    await expect(engine.input(id, 'ask', {})).rejects.toMatchObject({
      code: 'invalid_answer',
      message: expect.stringMatching(/constructor is required.*toString is required/),
    });
    await engine.input(id, 'ask', { constructor: 'c', toString: 't' });
    expect(await engine.wait(id)).toMatchObject({
      status: 'succeeded',
      output: { constructor: 'c', toString: 't' },
    });
  });
});

describe('http headers', () => {
  let server: Server;
  let url: string;
  let savedAllow: string | undefined;
  beforeAll(async () => {
    server = createServer((_, res) => {
      res.setHeader('__proto__', 'kept');
      res.setHeader('constructor', 'also kept');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    savedAllow = process.env['WEFT_HTTP_ALLOW'];
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  });
  afterAll(async () => {
    if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
    else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
    await new Promise((resolve) => server.close(resolve));
  });

  it('a header named __proto__ is an entry of the output, not its prototype', async () => {
    const view = await engine.run(yaml`
id: headers
nodes: [{ id: get, type: http, with: { url: "${url}" } }]
`);
    expect(view.status).toBe('succeeded');
    const headers = (view.nodes['get']?.output as { headers: object }).headers;
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('kept');
    expect(Object.getOwnPropertyDescriptor(headers, 'constructor')?.value).toBe('also kept');
  });
});
