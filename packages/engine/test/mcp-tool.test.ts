/**
 * The `tool` node through the Engine, against a real MCP server (test/fixtures/mcp-server.mjs)
 * started over stdio for each execution, or over streamable HTTP: outputs, the stdio server's
 * bare environment, argument checks before the call, unknown tools, error results, crashes,
 * timeouts, bearer credentials and the SSRF guard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type RunView } from '../src/index.js';
import { tempDb } from './helpers.js';
import { countFile, startHttpFixture, stdioServer } from './mcp-fixture.js';

const SECRET_KEY = 'a-test-secret-key-of-at-least-32-characters';
const TOKEN = 'fixture-token-7f3a';

let engine: Engine;
let http: Awaited<ReturnType<typeof startHttpFixture>>;
let savedAllow: string | undefined;

beforeAll(async () => {
  savedAllow = process.env['WEFT_HTTP_ALLOW'];
  delete process.env['WEFT_HTTP_ALLOW'];
  // A variable of this process that a stdio server must never see.
  process.env['WEFT_TEST_SECRET'] = 'do-not-leak';
  engine = await Engine.open({ db: tempDb(), secretKey: SECRET_KEY });
  await engine.credentials.put('fixture', { type: 'bearer', value: TOKEN });
  http = await startHttpFixture(TOKEN);
}, 60_000);
afterAll(async () => {
  http.stop();
  await engine.close();
  delete process.env['WEFT_TEST_SECRET'];
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});

/** A run of one tool node with `with` and node options (retry, timeout_ms). */
function runTool(id: string, params: Record<string, unknown>, node: Record<string, unknown> = {}) {
  return engine.run({
    id,
    nodes: [{ id: 'call', type: 'tool', with: params, ...node }],
  } as never);
}

function nodeOf(run: RunView) {
  const node = run.nodes['call'];
  if (node === undefined) throw new Error(`no node "call" in ${JSON.stringify(run)}`);
  return node;
}

describe('tool node over stdio', () => {
  it('calls a tool and outputs its content, text and structured content', async () => {
    const counts = countFile();
    const run = await runTool('mcp-order', {
      server: stdioServer,
      tool: 'lookup_order',
      arguments: { order_id: 'A-17' },
      env: { MCP_COUNT_FILE: counts.path },
    });
    expect(run.status).toBe('succeeded');
    const order = {
      order_id: 'A-17',
      status: 'shipped',
      items: [
        { sku: 'A1', qty: 2 },
        { sku: 'B7', qty: 1 },
      ],
      total: 42.5,
    };
    expect(run.output).toEqual({
      content: [{ type: 'text', text: JSON.stringify(order) }],
      structured: order,
      text: JSON.stringify(order),
    });
    expect(counts.calls('lookup_order')).toBe(1);
  });

  it('starts the server with its env and PATH, never the rest of this process environment', async () => {
    const run = await runTool('mcp-env', {
      server: stdioServer,
      tool: 'env_names',
      env: { SHOP_REGION: 'eu', RETRIES: 3 },
    });
    expect(run.status).toBe('succeeded');
    const names = (run.output as { text: string }).text.split(',');
    expect(names).toEqual(expect.arrayContaining(['PATH', 'SHOP_REGION', 'RETRIES']));
    expect(names).not.toContain('WEFT_TEST_SECRET');
    expect(
      names.every((n) => /^(PATH|HOME|USER|LOGNAME|SHELL|TERM|SHOP_REGION|RETRIES)$/.test(n)),
    ).toBe(true);
  });

  it('refuses arguments that do not match the tool input schema, without calling it', async () => {
    const counts = countFile();
    const run = await runTool(
      'mcp-bad-args',
      {
        server: stdioServer,
        tool: 'add',
        arguments: { a: 'two', b: 3 },
        env: { MCP_COUNT_FILE: counts.path },
      },
      { retry: { max_attempts: 3, initial_ms: 1 } },
    );
    expect(run.status).toBe('failed');
    const node = nodeOf(run);
    expect(node.attempts).toBe(1);
    expect(node.error?.code).toBe('invalid_params');
    expect(node.error?.message).toMatch(/tool add of MCP server .* \(node call\)/);
    expect(node.error?.message).toContain('arguments.a must be number');
    expect(counts.calls()).toBe(0);
  });

  it('names the server tools when the tool does not exist, and does not retry', async () => {
    const run = await runTool(
      'mcp-unknown',
      { server: stdioServer, tool: 'refund' },
      { retry: { max_attempts: 3, initial_ms: 1 } },
    );
    const node = nodeOf(run);
    expect(node.attempts).toBe(1);
    expect(node.error?.code).toBe('tool_not_found');
    expect(node.error?.message).toContain('tool refund of MCP server');
    expect(node.error?.message).toMatch(/the server has: .*echo, add, lookup_order/);
  });

  it('fails with tool_error and its text when the result is an error, without retrying', async () => {
    const counts = countFile();
    const run = await runTool(
      'mcp-is-error',
      { server: stdioServer, tool: 'fail', env: { MCP_COUNT_FILE: counts.path } },
      { retry: { max_attempts: 3, initial_ms: 1 } },
    );
    const node = nodeOf(run);
    expect(node.error?.code).toBe('tool_error');
    expect(node.error?.message).toContain('answered with an error: the warehouse is closed');
    expect(node.attempts).toBe(1);
    expect(counts.calls('fail')).toBe(1);
  });

  it('retries a server that crashes, and names the node and the server', async () => {
    const counts = countFile();
    const run = await runTool(
      'mcp-crash',
      { server: stdioServer, tool: 'crash', env: { MCP_COUNT_FILE: counts.path } },
      { retry: { max_attempts: 2, initial_ms: 1 } },
    );
    const node = nodeOf(run);
    expect(node.attempts).toBe(2);
    expect(counts.calls('crash')).toBe(2);
    expect(node.error?.code).toBe('mcp_unavailable');
    expect(node.error?.message).toMatch(
      /^MCP server \S*node\S* \(node call\), calling crash failed/,
    );
    expect(node.error?.message).toContain('fixture: crashing on purpose');
  });

  it('reports a server that cannot start as mcp_unavailable', async () => {
    const run = await runTool('mcp-no-program', {
      server: 'weft-no-such-mcp-server --stdio',
      tool: 'echo',
      arguments: { text: 'hi' },
    });
    const node = nodeOf(run);
    expect(node.error?.code).toBe('mcp_unavailable');
    expect(node.error?.message).toContain(
      'MCP server weft-no-such-mcp-server (node call), connecting failed',
    );
  });

  it('ends a call at the node timeout, as a retryable timeout', async () => {
    const counts = countFile();
    const run = await runTool(
      'mcp-timeout',
      {
        server: stdioServer,
        tool: 'slow',
        arguments: { ms: 60_000 },
        env: { MCP_COUNT_FILE: counts.path },
      },
      { timeout_ms: 1500, retry: { max_attempts: 2, initial_ms: 1 } },
    );
    const node = nodeOf(run);
    expect(node.error?.code).toBe('timeout');
    expect(node.attempts).toBe(2);
    expect(counts.calls('slow')).toBe(2);
  });
});

describe('tool node over streamable HTTP', () => {
  it('calls a tool with the bearer credential when the host is allow-listed', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    try {
      const run = await runTool('mcp-http', {
        server: http.url,
        tool: 'add',
        arguments: { a: 2, b: 40 },
        credential: 'fixture',
      });
      expect(run.status).toBe('succeeded');
      expect(run.output).toEqual({ content: [{ type: 'text', text: '42' }], text: '42' });
    } finally {
      delete process.env['WEFT_HTTP_ALLOW'];
    }
  });

  it('keeps the credential out of the output of a server that echoes it', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    try {
      const run = await runTool('mcp-http-echo', {
        server: http.url,
        tool: 'request_headers',
        credential: 'fixture',
      });
      expect(run.error).toBeNull();
      const headers = JSON.parse((run.output as { text: string }).text) as Record<string, string>;
      expect(headers['authorization']).toBe('Bearer [redacted]');
      expect(JSON.stringify(run)).not.toContain(TOKEN);
    } finally {
      delete process.env['WEFT_HTTP_ALLOW'];
    }
  });

  it('fails without retrying when the server refuses the request for want of a credential', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    try {
      const run = await runTool(
        'mcp-http-401',
        { server: http.url, tool: 'echo', arguments: { text: 'hi' } },
        { retry: { max_attempts: 3, initial_ms: 1 } },
      );
      const node = nodeOf(run);
      expect(node.error?.code).toBe('mcp_unavailable');
      expect(node.error?.message).toContain(`MCP server ${http.url} (node call), connecting`);
      expect(node.attempts).toBe(1);
    } finally {
      delete process.env['WEFT_HTTP_ALLOW'];
    }
  });

  it('refuses a loopback server that is not allow-listed', async () => {
    const run = await runTool('mcp-ssrf', {
      server: http.url,
      tool: 'echo',
      arguments: { text: 'hi' },
      credential: 'fixture',
    });
    const node = nodeOf(run);
    expect(node.error?.code).toBe('ssrf_blocked');
    expect(node.error?.message).toContain('127.0.0.1 (loopback) refused');
  });
});
