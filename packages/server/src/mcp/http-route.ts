/**
 * @module mcp/http-route
 * `/mcp`: the tenant's workflows as MCP tools over streamable HTTP (./workflow-tools.ts), behind
 * the same API keys as `/v1`. Stateless: each request gets its own MCP server and transport, so
 * any server of a cluster can answer any request, and nothing is kept between them.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { workflowToolsServer } from './workflow-tools.js';

export function mcpRoutes(app: ApiApp, deps: RouteDeps, version: string): void {
  app.all('/mcp', async (c) => {
    const server = workflowToolsServer(deps.engine.client(c.get('tenant')), {
      waitMs: deps.limits.maxWaitMs,
      version,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    // The body middleware has read (and bounded) the body: the transport gets it from the text.
    const request =
      c.req.method === 'POST'
        ? new Request(c.req.url, {
            method: 'POST',
            headers: c.req.raw.headers,
            body: await c.req.text(),
          })
        : c.req.raw;
    try {
      return await transport.handleRequest(request);
    } finally {
      void server.close();
    }
  });
}
