/**
 * @module routes/workflows
 * `/v1/workflows`: publish (JSON or YAML), list, read a version, delete.
 */
import { createRoute } from '@hono/zod-openapi';
import type { StoredWorkflow } from '@weft/core';
import { checkJson, definitionFormat } from '../body.js';
import { ApiError } from '../errors.js';
import {
  Published,
  VersionParams,
  WorkflowIdParam,
  WorkflowList,
  WorkflowVersion,
} from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { errors } from './common.js';

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
  request: { body: definitionBody },
  responses: {
    201: {
      description: 'A new version was stored',
      content: { 'application/json': { schema: Published } },
    },
    200: {
      description: 'The same content is already the latest version',
      content: { 'application/json': { schema: Published } },
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

function versionView(w: StoredWorkflow) {
  return {
    id: w.id,
    version: w.version,
    ...(w.definition.name === undefined ? {} : { name: w.definition.name }),
    definition: w.definition as unknown as Record<string, unknown>,
    source: w.source,
    hash: w.hash,
    created_at: w.createdAt,
  };
}

export function workflowRoutes(app: ApiApp, deps: RouteDeps): void {
  const { engine } = deps;

  app.openapi(publish, async (c) => {
    const format = definitionFormat(c.req.header('content-type'));
    const text = await c.req.text();
    if (format === 'json')
      checkJson(text, () => engine.validate(text, { format: 'json' }).diagnostics);
    const r = await engine.publish(text, { tenant: c.get('tenant'), format });
    return c.json({ id: r.id, version: r.version, created: r.created }, r.created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    const rows = await engine.store.listWorkflows(c.get('tenant'));
    const workflows = rows.map((w) => ({
      id: w.id,
      ...(w.name === undefined ? {} : { name: w.name }),
      latest_version: w.latestVersion,
      created_at: w.createdAt,
      updated_at: w.updatedAt,
    }));
    return c.json({ workflows }, 200);
  });

  app.openapi(latest, async (c) => {
    const { id } = c.req.valid('param');
    const w = await engine.store.getWorkflow(c.get('tenant'), id);
    if (w === undefined) throw new ApiError(404, 'not_found', `no workflow "${id}"`);
    return c.json(versionView(w), 200);
  });

  app.openapi(version, async (c) => {
    const { id, v } = c.req.valid('param');
    const w = await engine.store.getWorkflow(c.get('tenant'), id, v);
    if (w === undefined)
      throw new ApiError(404, 'not_found', `no version ${v} of workflow "${id}"`);
    return c.json(versionView(w), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const tenant = c.get('tenant');
    const deleted = engine.deleteWorkflow
      ? await engine.deleteWorkflow(id, { tenant })
      : await engine.store.deleteWorkflow(tenant, id);
    if (!deleted) {
      throw new ApiError(404, 'not_found', `no workflow "${id}"`);
    }
    return c.body(null, 204);
  });
}
