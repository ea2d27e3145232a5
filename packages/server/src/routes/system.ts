/**
 * @module routes/system
 * Routes that need no API key: `/healthz`, and `/`, the page where the web console will live.
 */
import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../errors.js';
import { Health } from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { errors } from './common.js';

const health = createRoute({
  method: 'get',
  operationId: 'health',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Health: the store answers and the server is not shutting down',
  security: [],
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: Health } } },
    ...errors(503),
  },
});

const HOME = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Weft</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .2em}</style>
<h1>Weft</h1>
<p>This server runs Weft workflows. The web console (workflow graphs, live runs, answering human
steps) is coming here.</p>
<p>Until then: the HTTP API is under <code>/v1</code>, described by <a href="/openapi.json"><code>/openapi.json</code></a>;
the <code>weft</code> command talks to it with <code>weft runs ... --server URL --key KEY</code>.</p>
</html>
`;

export function systemRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(health, async (c) => {
    if (deps.closing.aborted) throw new ApiError(503, 'unavailable', 'the server is shutting down');
    try {
      await deps.engine.ping();
    } catch (e) {
      deps.log.error({ err: e }, 'health check: the store cannot be reached');
      throw new ApiError(503, 'unavailable', 'the store cannot be reached');
    }
    return c.json({ status: 'ok' as const, store: 'ok' as const }, 200);
  });

  app.get('/', (c) => c.html(HOME));
}
