/**
 * @module plugins/metrics
 * `GET /metrics`: the Prometheus text of the server's telemetry (see {@link Telemetry}), scoped to
 * the caller's tenant (SPEC 8): another tenant's counts are not a key holder's to read. Made public
 * (`WEFT_METRICS_PUBLIC=1` for `weft serve`, e.g. for a scraper on a private network), it is read
 * without a key and so without a tenant: then it shows every tenant, as an operator's view.
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
        // A public route skips authentication, so no tenant is set: the global view.
        const tenant = c.get('tenant') as string | undefined;
        const text = await deps.telemetry.metrics(tenant);
        return c.text(text, 200, { 'Content-Type': deps.telemetry.contentType });
      });
    },
  };
}
