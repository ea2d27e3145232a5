/**
 * @module routes/workflows
 * `/v1/workflows`: publish (JSON or YAML) or only validate, list, read a version, delete.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { checkJson, definitionFormat } from '../body.js';
import {
  Published,
  PublishQuery,
  Validation,
  VersionParams,
  WorkflowIdParam,
  WorkflowList,
  WorkflowVersion,
} from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { clientOf, errors, isTrue } from './common.js';

const definitionBody = {
  required: true,
  description: 'A workflow definition (docs/language.md), as JSON or YAML text',
  content: {
    'application/json': {
      schema: { type: 'object' as const, description: 'The definition as JSON' },
    },
    'application/yaml': {
      schema: { type: 'string' as const, description: 'The definition as YAML' },
    },
  },
};

const publish = createRoute({
  method: 'post',
  operationId: 'publishWorkflow',
  path: '/v1/workflows',
  tags: ['workflows'],
  summary: 'Publish a workflow: a new version, or the latest one if its content is the same',
  request: { query: PublishQuery, body: definitionBody },
  responses: {
    201: {
      description: 'A new version was stored',
      content: { 'application/json': { schema: Published } },
    },
    200: {
      description:
        'The same content is already the latest version; with `?dry_run=true`, what validation found',
      content: { 'application/json': { schema: z.union([Published, Validation]) } },
    },
    ...errors(400, 401, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  operationId: 'listWorkflows',
  path: '/v1/workflows',
  tags: ['workflows'],
  summary: "The tenant's workflows",
  responses: {
    200: {
      description: 'Workflows by id',
      content: { 'application/json': { schema: WorkflowList } },
    },
    ...errors(401),
  },
});

const latest = createRoute({
  method: 'get',
  operationId: 'getWorkflow',
  path: '/v1/workflows/{id}',
  tags: ['workflows'],
  summary: 'The latest version of a workflow',
  request: { params: WorkflowIdParam },
  responses: {
    200: {
      description: 'The latest version',
      content: { 'application/json': { schema: WorkflowVersion } },
    },
    ...errors(401, 404),
  },
});

const version = createRoute({
  method: 'get',
  operationId: 'getWorkflowVersion',
  path: '/v1/workflows/{id}/versions/{v}',
  tags: ['workflows'],
  summary: 'One version of a workflow',
  request: { params: VersionParams },
  responses: {
    200: {
      description: 'The version',
      content: { 'application/json': { schema: WorkflowVersion } },
    },
    ...errors(401, 404),
  },
});

const remove = createRoute({
  method: 'delete',
  operationId: 'deleteWorkflow',
  path: '/v1/workflows/{id}',
  tags: ['workflows'],
  summary: 'Delete every version of a workflow; its runs are kept',
  request: { params: WorkflowIdParam },
  responses: {
    204: { description: 'Deleted' },
    ...errors(401, 404),
  },
});

export function workflowRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(publish, async (c) => {
    const workflows = clientOf(deps, c).workflows;
    const format = definitionFormat(c.req.header('content-type'));
    const text = await c.req.text();
    if (isTrue(c.req.valid('query').dry_run)) {
      return c.json(await workflows.validate(text, { format }), 200);
    }
    if (format === 'json') {
      await checkJson(text, async () => (await workflows.validate(text, { format })).diagnostics);
    }
    const r = await workflows.publish(text, { format });
    return c.json({ id: r.id, version: r.version, created: r.created }, r.created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    return c.json({ workflows: await clientOf(deps, c).workflows.list() }, 200);
  });

  app.openapi(latest, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await clientOf(deps, c).workflows.get(id), 200);
  });

  app.openapi(version, async (c) => {
    const { id, v } = c.req.valid('param');
    return c.json(await clientOf(deps, c).workflows.getVersion(id, v), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    await clientOf(deps, c).workflows.delete(id);
    return c.body(null, 204);
  });
}
