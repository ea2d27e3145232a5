/**
 * @module cli/mcp-command
 * `weft mcp`: the stored workflows of a local database (or of a server with --server) as MCP tools
 * on stdio, for MCP clients that start their servers as commands. A call starts a run, carried on
 * in this process, and waits for it up to `--timeout` (default 5 minutes). Stdout carries the
 * protocol only; anything else this command says goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { workflowToolsServer } from '@weft/server';
import { CliError, EXIT } from './exit-codes.js';
import { withTarget, type TargetArgs } from './target.js';

export interface McpArgs extends TargetArgs {
  /** How long a call waits for its run, in ms. */
  timeoutMs?: string;
  version: string;
}

const DEFAULT_WAIT_MS = 300_000;

export async function mcpCommand(a: McpArgs): Promise<number> {
  const waitMs = a.timeoutMs === undefined ? DEFAULT_WAIT_MS : waitOf(a.timeoutMs);
  return withTarget(a, { mode: 'run' }, async ({ client }) => {
    const server = workflowToolsServer(client, { waitMs, version: a.version });
    const transport = new StdioServerTransport();
    // The session ends when the client closes our stdin (or the transport fails).
    const ended = new Promise<void>((resolve) => {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
      server.onclose = resolve;
    });
    await server.connect(transport);
    process.stderr.write('weft mcp: serving the stored workflows as MCP tools on stdio\n');
    await ended;
    await server.close();
    return EXIT.ok;
  });
}

function waitOf(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new CliError(`--timeout must be a number of ms (1 or more), not "${text}"`, EXIT.invalid);
  }
  return Number(text);
}
