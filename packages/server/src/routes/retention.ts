/**
 * @module routes/retention
 * Deleting finished runs: one (`DELETE /v1/runs/{id}`, SPEC section 8), or every finished run of
 * the tenant that matches (`POST /v1/runs/prune`, what `weft runs prune` sends). Runs that are not
 * finished are never deleted; the disk of deleted runs is given back before the answer.
 */
import { createRoute } from '@hono/zod-openapi';
import type { PruneOptions } from '@weft/core/client';
import { PruneBody, Pruned, RunIdParam } from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { clientOf, errors } from './common.js';

const remove = createRoute({
  method: 'delete',
  operationId: 'deleteRun',
  path: '/v1/runs/{id}',
  tags: ['runs'],
  summary: 'Delete a finished run and everything stored for it (its child runs too)',
  request: { params: RunIdParam },
  responses: {
    204: { description: 'Deleted' },
    ...errors(401, 404, 409),
  },
});

const prune = createRoute({
  method: 'post',
  operationId: 'pruneRuns',
  path: '/v1/runs/prune',
  tags: ['runs'],
  summary: "Delete the tenant's finished runs that finished before a time",
  request: {
    body: { required: true, content: { 'application/json': { schema: PruneBody } } },
  },
  responses: {
    200: {
      description: 'How many runs were deleted',
      content: { 'application/json': { schema: Pruned } },
    },
    ...errors(400, 401, 413, 415, 422),
  },
});

export function retentionRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    await clientOf(deps, c).runs.delete(id);
    return c.body(null, 204);
  });

  app.openapi(prune, async (c) => {
    const b = c.req.valid('json');
    const options: PruneOptions = { olderThanMs: b.older_than_ms };
    if (b.status !== undefined) options.status = b.status;
    if (b.workflow !== undefined) options.workflow = b.workflow;
    return c.json(await clientOf(deps, c).runs.prune(options), 200);
  });
}
