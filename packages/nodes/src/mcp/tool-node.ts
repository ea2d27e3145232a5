/**
 * @module mcp/tool-node
 * The `tool` node type: calls one tool of an MCP server and outputs `{ content, structured?, text }`.
 * Each execution opens its own connection (a stdio server is started for it and stopped after) and
 * the whole exchange is one sub-step, `call`, so that a re-run that finds it recorded does not call
 * the tool again. See docs/nodes.md for the user-facing contract.
 */
import { defineNode, WeftError } from '@weft/core/plugin';
import { createSsrfGuard, type SsrfGuardOptions } from '../http/ssrf.js';
import { toolParams } from './params.js';
import { callMcpTool } from './session.js';
import { isHttpServer } from './transport.js';

/** Creates a `tool` node type with its own SSRF guard settings (for HTTP servers). */
export function createToolNode(options: SsrfGuardOptions = {}) {
  const guard = createSsrfGuard(options);
  return defineNode({
    type: 'tool',
    description: 'Calls a tool of an MCP server (stdio command or streamable-HTTP URL).',
    params: toolParams,
    run: (ctx, p) => {
      const http = isHttpServer(p.server);
      if (p.credential !== undefined && !http) {
        throw new WeftError(
          'invalid_params',
          `credential of ${ctx.path} is sent to HTTP MCP servers only; give a stdio server what it needs in env`,
        );
      }
      const target = {
        server: p.server,
        credential: p.credential,
        env: http ? undefined : p.env,
      };
      return ctx.step('call', async () => {
        const output = await callMcpTool(
          ctx,
          target,
          { tool: p.tool, arguments: p.arguments },
          { guard },
        );
        // Plain JSON, as a step's result and a node's output are stored.
        return JSON.parse(JSON.stringify(output)) as unknown;
      });
    },
  });
}

/** The `tool` node type, allow-listing HTTP servers from `WEFT_HTTP_ALLOW` (read at every call). */
export const toolNode = createToolNode();
