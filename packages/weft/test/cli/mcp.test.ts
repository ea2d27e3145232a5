/**
 * `weft mcp`: the stored workflows of a local database as MCP tools on stdio, driven by the SDK's
 * own client, which starts the command as MCP clients do.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, requireBuild, sandbox, weftBin, type Sandbox } from './harness.js';

let box: Sandbox;
let client: Client;
let stderr = '';

beforeAll(async () => {
  requireBuild();
  box = sandbox();
  const file = box.write(
    'sum.yaml',
    `id: sum
name: Sum
description: Adds two numbers.
inputs:
  type: object
  required: [a, b]
  properties:
    a: { type: number }
    b: { type: number, default: 1 }
outputs:
  total: "{{ inputs.a + inputs.b }}"
nodes:
  - { id: noop, type: noop }
`,
  );
  const failing = box.write(
    'reject.yaml',
    `id: reject
nodes:
  - { id: no, type: fail, with: { code: OrderRejected, message: not today } }
`,
  );
  expectExit(await box.weft(['publish', file]), 0);
  expectExit(await box.weft(['publish', failing]), 0);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [weftBin, 'mcp', '--db', box.db],
    cwd: box.dir,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
}, 60_000);

afterAll(async () => {
  await client.close();
  box.remove();
});

describe('weft mcp', () => {
  it('lists the stored workflows as tools with their inputs as input schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['reject', 'sum']);
    const sum = tools.find((t) => t.name === 'sum');
    expect(sum?.inputSchema).toEqual({
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'number' }, b: { type: 'number', default: 1 } },
    });
    expect(sum?.description).toContain('Adds two numbers.');
    expect(stderr).toContain('serving the stored workflows as MCP tools on stdio');
  });

  it('runs the workflow for a call and answers its output', async () => {
    const result = await client.callTool({ name: 'sum', arguments: { a: 40, b: 2 } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ total: 42 });
    expect(result.content).toEqual([{ type: 'text', text: '{"total":42}' }]);
  });

  it('answers an error result with the run error when the run fails', async () => {
    const result = await client.callTool({ name: 'reject', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^run \S+ failed: OrderRejected: not today$/) },
    ]);
  });
});
