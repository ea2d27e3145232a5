/**
 * @module mcp/session
 * One connection to an MCP server for one node execution: open, list the tools, call some, close.
 * This is the API the `tool` node is built on and the one an `agent` node uses to offer a server's
 * tools to a model; nothing is kept between executions (each opens its own connection, and so
 * starts its own stdio server process).
 *
 * @example
 * ```ts
 * const session = await openMcpSession(ctx, { server: 'node server.mjs' });
 * try {
 *   const tools = await session.tools();
 *   const out = await session.call('echo', { text: 'hi' });
 * } finally {
 *   await session.close();
 * }
 * ```
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { validateAgainst } from '@weft/core';
import { WeftError, type NodeContext } from '@weft/core/plugin';
import { createRedactor, type Redactor } from '../http/redact.js';
import { createSsrfGuard, type SsrfGuard } from '../http/ssrf.js';
import { mcpError } from './errors.js';
import { mcpSdk } from './sdk.js';
import { openTransport, type McpTarget } from './transport.js';

/** A tool as a server lists it. */
export interface McpToolInfo {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
}

/** What a tool call answers: the `tool` node's output. */
export interface McpCallOutput {
  /** The result's content parts as the server sent them (text, images, resources...). */
  content: CallToolResult['content'];
  /** The result's `structuredContent`, when the server gave one. */
  structured?: Record<string, unknown>;
  /** The text parts, joined with new lines. */
  text: string;
}

export interface McpSession {
  /** The server as named in messages. */
  readonly label: string;
  /** Every tool of the server (all pages), listed once per session. */
  tools(): Promise<McpToolInfo[]>;
  /**
   * Calls a tool after checking that it exists and that `args` match its input schema.
   * @throws WeftError `tool_not_found`, `invalid_params`, `tool_error` (not retryable);
   *   `mcp_unavailable`, `timeout`, `aborted` (retryable).
   */
  call(tool: string, args: Record<string, unknown>): Promise<McpCallOutput>;
  close(): Promise<void>;
}

export interface McpSessionOptions {
  /** @default a guard reading `WEFT_HTTP_ALLOW` (and the run's kept list) at every check */
  guard?: SsrfGuard;
}

// A call has no bound of its own: the node's `timeout_ms` (its AbortSignal) is the bound, as for
// every node. The SDK needs a number; this is the longest a timer can wait.
const NO_BOUND_MS = 2 ** 31 - 1;

const defaultGuard = createSsrfGuard();

/** Opens a connection (starting a stdio server) and initialises the MCP session. */
export async function openMcpSession(
  ctx: NodeContext,
  target: McpTarget,
  options: McpSessionOptions = {},
): Promise<McpSession> {
  const sdk = await mcpSdk();
  const opened = await openTransport(sdk, ctx, target, options.guard ?? defaultGuard);
  const redact = createRedactor(opened.secrets);
  const fail = (doing: string) => (error: unknown) => {
    throw scrub(
      mcpError(sdk, error, {
        node: ctx.path,
        server: opened.label,
        doing,
        stderr: opened.stderrTail(),
        signal: ctx.signal,
      }),
      redact,
    );
  };
  const client = new sdk.Client({ name: 'weft', version: '0.1.0' });
  const bounds = { signal: ctx.signal, timeout: NO_BOUND_MS };
  const close = async () => {
    await client.close().catch(() => {});
    opened.release();
  };
  try {
    await client.connect(opened.transport, bounds).catch(fail('connecting'));
  } catch (error) {
    await close();
    throw error;
  }

  let listed: Promise<McpToolInfo[]> | undefined;
  const tools = () =>
    (listed ??= (async () => {
      const all: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client
          .listTools(cursor === undefined ? {} : { cursor }, bounds)
          .catch(fail('listing tools'));
        all.push(...page.tools.map(toolInfo));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return all;
    })());

  return {
    label: opened.label,
    tools,
    close,
    async call(name, args) {
      const where = `tool ${name} of MCP server ${opened.label} (node ${ctx.path})`;
      const all = await tools();
      const tool = all.find((t) => t.name === name);
      if (tool === undefined) {
        throw new WeftError(
          'tool_not_found',
          `${where} does not exist; the server has: ${all.map((t) => t.name).join(', ') || 'no tools'}`,
          { details: { tool: name, tools: all.map((t) => t.name) } },
        );
      }
      checkArguments(tool, args, where);
      const result = (await client
        .callTool({ name, arguments: args }, undefined, bounds)
        .catch(fail(`calling ${name}`))) as CallToolResult;
      // A server may echo the request's headers: the credential never reaches output or errors.
      const output = redact.value(toOutput(result)) as McpCallOutput;
      if (result.isError === true) {
        throw new WeftError('tool_error', `${where} answered with an error: ${output.text}`, {
          details: { tool: name, content: output.content },
        });
      }
      return output;
    },
  };
}

/** The error with credential values masked in its message and details. */
function scrub(error: WeftError, redact: Redactor): WeftError {
  if (!redact.active) return error;
  return new WeftError(error.code, redact.text(error.message), {
    retryable: error.retryable,
    details: redact.value(error.details),
    level: error.level,
    cause: error.cause,
  });
}

function toolInfo(t: Tool): McpToolInfo {
  return {
    name: t.name,
    ...(t.description === undefined ? {} : { description: t.description }),
    inputSchema: t.inputSchema,
  };
}

/** @throws WeftError `invalid_params` naming the tool and what does not match. */
function checkArguments(tool: McpToolInfo, args: Record<string, unknown>, where: string): void {
  // Servers write draft-07 schemas as often as 2020-12 ones; for arguments the two agree.
  const schema = { ...tool.inputSchema };
  delete schema['$schema'];
  try {
    validateAgainst(schema, args, { code: 'invalid_params', root: 'arguments', what: where });
  } catch (error) {
    // A schema our validator cannot compile is the server's to judge: let the call decide.
    if (WeftError.is(error)) throw error;
  }
}

function toOutput(result: CallToolResult): McpCallOutput {
  const text = result.content
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n');
  return {
    content: result.content,
    ...(result.structuredContent === undefined ? {} : { structured: result.structuredContent }),
    text,
  };
}

/** Lists a server's tools on a connection of its own. */
export async function listMcpTools(
  ctx: NodeContext,
  target: McpTarget,
  options?: McpSessionOptions,
): Promise<McpToolInfo[]> {
  const session = await openMcpSession(ctx, target, options);
  try {
    return await session.tools();
  } finally {
    await session.close();
  }
}

/** Calls one tool on a connection of its own (see {@link McpSession.call}). */
export async function callMcpTool(
  ctx: NodeContext,
  target: McpTarget,
  call: { tool: string; arguments: Record<string, unknown> },
  options?: McpSessionOptions,
): Promise<McpCallOutput> {
  const session = await openMcpSession(ctx, target, options);
  try {
    return await session.call(call.tool, call.arguments);
  } finally {
    await session.close();
  }
}
