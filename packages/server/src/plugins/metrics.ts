/**
 * @module plugins/metrics
 * `GET /metrics`: the Prometheus text of the server's registry (see {@link Telemetry}). It spans
 * every tenant, so it needs an API key when the server has keys, unless it is made public
 * (`WEFT_METRICS_PUBLIC=1` for `weft serve`), e.g. for a scraper on a private network.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ServerPlugin } from '../types.js';
import { errors } from '../routes/common.js';

export const METRICS_PATH = '/metrics';

/** The metrics route; `public` lets it be read without an API key. */
export function metricsPlugin(o: { public?: boolean } = {}): ServerPlugin {
  const route = createRoute({
    method: 'get',
    operationId: 'metrics',
    path: METRICS_PATH,
    tags: ['operations'],
    summary:
      'Prometheus metrics: runs, node durations, retries, queue depth, live streams, process',
    ...(o.public === true ? { security: [] } : {}),
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        content: { 'text/plain': { schema: z.string() } },
      },
      ...(o.public === true ? {} : errors(401)),
    },
  });
  return {
    publicPrefixes: o.public === true ? [METRICS_PATH] : [],
    register(app, deps) {
      app.openapi(route, async (c) => {
        const registry = deps.telemetry.registry;
        const text = await registry.metrics();
        return c.text(text, 200, { 'Content-Type': registry.contentType });
      });
    },
  };
}
