/**
 * @module plugins/credentials
 * `/v1/credentials`: store, replace, list and delete the tenant's credentials. Values are
 * write-only: no answer, error message or log line holds one. The engine checks the shapes again
 * (line breaks, header names, URLs) and encrypts the value before it reaches the store.
 */
import { createRoute } from '@hono/zod-openapi';
import type { CredentialType } from '@weft/core';
import { ApiError } from '../errors.js';
import {
  CredentialBody,
  CredentialList,
  CredentialNameParam,
  CredentialSummary,
} from '../schemas.js';
import type { CredentialInfo, CredentialsFacet, ServerPlugin } from '../types.js';
import { errors } from '../routes/common.js';

const put = createRoute({
  method: 'put',
  operationId: 'putCredential',
  path: '/v1/credentials/{name}',
  tags: ['credentials'],
  summary: 'Store or replace a credential (its value can never be read back)',
  request: {
    params: CredentialNameParam,
    body: { required: true, content: { 'application/json': { schema: CredentialBody } } },
  },
  responses: {
    201: {
      description: 'Created',
      content: { 'application/json': { schema: CredentialSummary } },
    },
    200: {
      description: 'Replaced',
      content: { 'application/json': { schema: CredentialSummary } },
    },
    ...errors(400, 401, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  operationId: 'listCredentials',
  path: '/v1/credentials',
  tags: ['credentials'],
  summary: "The tenant's credentials by name: names, types and times, never values",
  responses: {
    200: {
      description: 'Credentials by name',
      content: { 'application/json': { schema: CredentialList } },
    },
    ...errors(401),
  },
});

const remove = createRoute({
  method: 'delete',
  operationId: 'deleteCredential',
  path: '/v1/credentials/{name}',
  tags: ['credentials'],
  summary: 'Delete a credential; nodes that use it fail from their next call on',
  request: { params: CredentialNameParam },
  responses: {
    204: { description: 'Deleted' },
    ...errors(401, 404),
  },
});

const view = (c: CredentialInfo) => ({
  name: c.name,
  type: c.type as CredentialType,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

/** The credentials routes over `engine.credentials`. */
export function credentialsPlugin(credentials: CredentialsFacet): ServerPlugin {
  return {
    register(app) {
      app.openapi(put, async (c) => {
        const { name } = c.req.valid('param');
        const body = c.req.valid('json');
        const saved = await credentials.put(c.get('tenant'), name, body);
        return c.json(view(saved), saved.created ? 201 : 200);
      });

      app.openapi(list, async (c) => {
        const rows = await credentials.list(c.get('tenant'));
        return c.json({ credentials: rows.map(view) }, 200);
      });

      app.openapi(remove, async (c) => {
        const { name } = c.req.valid('param');
        if (!(await credentials.delete(c.get('tenant'), name))) {
          throw new ApiError(404, 'not_found', `no credential "${name}"`);
        }
        return c.body(null, 204);
      });
    },
  };
}
