/**
 * @module plugins/credentials
 * `/v1/credentials`: store, replace, list and delete the tenant's credentials. Values are
 * write-only: no answer, error message or log line holds one. The engine checks the shapes again
 * (line breaks, header names, URLs) and encrypts the value before it reaches the store.
 */
import { createRoute } from '@hono/zod-openapi';
import type { CredentialInput } from '@weft/core/client';
import {
  CredentialBody,
  CredentialList,
  CredentialNameParam,
  CredentialSummary,
} from '../schemas.js';
import type { ServerPlugin } from '../types.js';
import { clientOf, errors } from '../routes/common.js';

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

/** The credentials routes, over the request's client. */
export function credentialsPlugin(): ServerPlugin {
  return {
    register(app, deps) {
      app.openapi(put, async (c) => {
        const { name } = c.req.valid('param');
        const body = c.req.valid('json');
        // The body's schema is built from the credential registry, as CredentialInput is.
        const input = body as CredentialInput;
        const { created, ...saved } = await clientOf(deps, c).credentials.put(name, input);
        return c.json(saved, created ? 201 : 200);
      });

      app.openapi(list, async (c) => {
        return c.json({ credentials: await clientOf(deps, c).credentials.list() }, 200);
      });

      app.openapi(remove, async (c) => {
        const { name } = c.req.valid('param');
        await clientOf(deps, c).credentials.delete(name);
        return c.body(null, 204);
      });
    },
  };
}
