/**
 * `/mcp`: a tenant's workflows as MCP tools over streamable HTTP, through the SDK's own client,
 * behind the same API keys as `/v1`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, GLOBEX, publish, startTestServer, yaml, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await publish(
    t,
    yaml`
id: greet
name: Greeter
description: Greets someone by name.
inputs:
  type: object
  required: [name]
  properties:
    name: { type: string }
outputs:
  greeting: "Hello, {{ inputs.name }}!"
nodes:
  - { id: noop, type: noop }
`,
  );
  await publish(
    t,
    yaml`
id: refuse
nodes:
  - { id: no, type: fail, with: { code: OrderRejected, message: not today } }
`,
  );
});
afterAll(() => t.close());

async function connect(key?: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
    requestInit: key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

describe('/mcp', () => {
  it('lists the tenant workflows as tools whose input schema is the workflow inputs', async () => {
    const client = await connect(ACME);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['greet', 'refuse']);
      const greet = tools.find((tool) => tool.name === 'greet');
      expect(greet?.inputSchema).toEqual({
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' } },
      });
      expect(greet?.description).toContain('Greets someone by name.');
    } finally {
      await client.close();
    }
  });

  it('runs a workflow for a call and answers its output', async () => {
    const client = await connect(ACME);
    try {
      const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ greeting: 'Hello, Ada!' });
      expect(result.content).toEqual([{ type: 'text', text: '{"greeting":"Hello, Ada!"}' }]);
      const runs = await t.engine.client('acme').runs.list({ workflow: 'greet' });
      expect(runs.runs[0]?.status).toBe('succeeded');
    } finally {
      await client.close();
    }
  });

  it('answers an error result for a failed run and for input the workflow refuses', async () => {
    const client = await connect(ACME);
    try {
      const failed = await client.callTool({ name: 'refuse', arguments: {} });
      expect(failed.isError).toBe(true);
      expect(failed.content).toEqual([
        { type: 'text', text: expect.stringMatching(/failed: OrderRejected: not today$/) },
      ]);
      const refused = await client.callTool({ name: 'greet', arguments: { name: 7 } });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain('invalid_input');
    } finally {
      await client.close();
    }
  });

  it('shows another tenant none of these workflows', async () => {
    const client = await connect(GLOBEX);
    try {
      expect((await client.listTools()).tools).toEqual([]);
      await expect(client.callTool({ name: 'greet', arguments: { name: 'x' } })).rejects.toThrow(
        /no workflow named "greet"/,
      );
    } finally {
      await client.close();
    }
  });

  it('needs an API key', async () => {
    await expect(connect()).rejects.toThrow(/unauthorized.*missing API key/);
    const res = await t.call('/mcp', {
      method: 'POST',
      json: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      key: 'not-a-key',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 'unauthorized', message: 'invalid API key' },
    });
  });
});
