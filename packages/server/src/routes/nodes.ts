/**
 * @module routes/nodes
 * `POST /v1/nodes/test`: one node of a definition run alone, as a console's "test this node"
 * button asks for it. Nothing is stored; the node's failure is a 200 answer, the request's
 * problems (an invalid definition, an unknown node, a kind that cannot run alone) are errors.
 */
import { createRoute } from '@hono/zod-openapi';
import { NodeTestBody, NodeTestResult } from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { clientOf, errors } from './common.js';

const test = createRoute({
  method: 'post',
  operationId: 'testNode',
  path: '/v1/nodes/test',
  tags: ['nodes'],
  summary: 'Run one node of a definition alone, storing nothing',
  request: {
    body: { required: true, content: { 'application/json': { schema: NodeTestBody } } },
  },
  responses: {
    200: {
      description:
        'The node ran: `{ status: succeeded, output, port?, duration_ms }`, or `{ status: failed, error, duration_ms }` with its error as a run records it',
      content: { 'application/json': { schema: NodeTestResult } },
    },
    ...errors(400, 401, 413, 415, 422),
  },
});

/** Bodies of a node test: a definition and a scope of data. */
export const NODE_TEST_PATH = '/v1/nodes/test';

export function nodeRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(test, async (c) => {
    const b = c.req.valid('json');
    // The server shutting down, or the caller gone: the node is stopped.
    const signal = AbortSignal.any([deps.closing, c.req.raw.signal]);
    const result = await clientOf(deps, c).nodes.test(
      {
        definition: b.definition,
        node: b.node,
        ...(b.scope === undefined ? {} : { scope: b.scope }),
        ...(b.format === undefined ? {} : { format: b.format }),
      },
      { signal },
    );
    return c.json(result, 200);
  });
}
