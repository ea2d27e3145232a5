/**
 * @module mcp/workflow-tools
 * Workflows as MCP tools: an MCP server over a tenant's {@link WeftClient} that lists every stored
 * workflow as a tool whose input schema is the workflow's `inputs`, and answers a call by starting
 * a run and waiting for it (up to a bound). Transports are the caller's: stdio for `weft mcp`,
 * streamable HTTP for the server's `/mcp`.
 *
 * @example
 * ```ts
 * const server = workflowToolsServer(engine.client(), { waitMs: 300_000 });
 * await server.connect(new StdioServerTransport());
 * ```
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { WeftError, type RunView, type WeftClient } from '@weft/core/client';

export interface WorkflowToolsOptions {
  /** How long a call waits for its run before answering that it is still going, in ms. */
  waitMs: number;
  /** The version shown to MCP clients. @default '0.1.0' */
  version?: string;
}

/** An MCP server exposing the client's workflows as tools (one per workflow, named by its id). */
export function workflowToolsServer(client: WeftClient, options: WorkflowToolsOptions): Server {
  const server = new Server(
    { name: 'weft', version: options.version ?? '0.1.0' },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: await listWorkflowTools(client),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    return callWorkflowTool(client, name, args, {
      waitMs: options.waitMs,
      signal: extra.signal,
    });
  });
  return server;
}

/** Every stored workflow of the client as a tool. */
export async function listWorkflowTools(client: WeftClient): Promise<Tool[]> {
  const items = await client.workflows.list();
  return Promise.all(
    items.map(async (item) => {
      const { definition } = await client.workflows.get(item.id);
      const description =
        typeof definition['description'] === 'string' ? definition['description'] : '';
      const title = item.name ?? item.id;
      return {
        name: item.id,
        title,
        description:
          `Runs the workflow ${title} (version ${item.latest_version}) and returns its output.` +
          (description === '' ? '' : ` ${description.trim()}`),
        inputSchema: inputSchemaOf(definition['inputs']),
      };
    }),
  );
}

/** A workflow's `inputs` as an MCP input schema, which must describe an object. */
function inputSchemaOf(inputs: unknown): Tool['inputSchema'] {
  if (typeof inputs !== 'object' || inputs === null) return { type: 'object' };
  return { ...(inputs as Record<string, unknown>), type: 'object' };
}

/**
 * Starts a run of `workflow` with `args` as its input and waits for it. A run that succeeds
 * answers its output (as structured content when it is an object, and as JSON text); one that
 * fails, is refused or is still going at the bound answers an error result saying so.
 */
export async function callWorkflowTool(
  client: WeftClient,
  workflow: string,
  args: Record<string, unknown>,
  o: { waitMs: number; signal?: AbortSignal },
): Promise<CallToolResult> {
  let run: RunView;
  let settled: boolean;
  try {
    ({ run, settled } = await client.runs.run(workflow, {
      input: args,
      timeoutMs: o.waitMs,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    }));
  } catch (error) {
    if (WeftError.is(error) && error.code === 'not_found') {
      throw new McpError(ErrorCode.InvalidParams, `no workflow named "${workflow}"`);
    }
    if (WeftError.is(error)) return failure(`${error.code}: ${error.message}`);
    throw error;
  }
  if (run.status === 'succeeded') {
    const output = run.output;
    const structured =
      typeof output === 'object' && output !== null && !Array.isArray(output)
        ? (output as Record<string, unknown>)
        : { output };
    return {
      content: [{ type: 'text', text: JSON.stringify(output ?? null) }],
      structuredContent: structured,
    };
  }
  if (run.error !== null && (run.status === 'failed' || run.status === 'cancelled')) {
    return failure(`run ${run.id} ${run.status}: ${run.error.code}: ${run.error.message}`, run);
  }
  const why = settled ? `is ${run.status}` : `is still ${run.status} after ${o.waitMs} ms`;
  return failure(`run ${run.id} of ${workflow} ${why}; it goes on: follow it by its id`, run);
}

function failure(text: string, run?: RunView): CallToolResult {
  return {
    content: [{ type: 'text', text }],
    isError: true,
    ...(run === undefined
      ? {}
      : { structuredContent: { run_id: run.id, status: run.status, error: run.error } }),
  };
}
