/**
 * @module routes/system
 * `/healthz`, which needs no API key (the console at `/` is in ./console.ts).
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
}
