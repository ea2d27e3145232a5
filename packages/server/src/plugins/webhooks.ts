/**
 * @module plugins/webhooks
 * `/v1/hooks/{tenant}/{path}`: webhook triggers. No API key: a hook with a `secret` is
 * authenticated by its HMAC signature over the exact bytes received, which the engine checks
 * (`engine.webhooks.deliver`) before it looks at anything else. The method is the trigger's
 * (POST unless it says otherwise). 202 `{ id, duplicate }`; with `?wait=true` the run once it
 * settled (200) or when the bound passed (202), as for starting a run. Past the tenant's start
 * rate, a delivery that would start a run is answered 429 with `Retry-After`.
 */
import { createRoute } from '@hono/zod-openapi';
import { WeftError } from '@weft/core';
import type { Context } from 'hono';
import { ApiError, detailsOf } from '../errors.js';
import { HookAccepted, HookParams, RunObject, WaitQuery } from '../schemas.js';
import type { ApiEnv, RouteDeps, ServerPlugin, WebhooksFacet } from '../types.js';
import { errors, WAIT_HEADER, waitBound, wantsWait } from '../routes/common.js';

/** Where hooks live; requests under it need no API key. */
export const HOOKS_PREFIX = '/v1/hooks/';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'];

const deliver = createRoute({
  method: 'post',
  operationId: 'deliverWebhook',
  path: '/v1/hooks/{tenant}/{path}',
  tags: ['triggers'],
  summary:
    "Webhook trigger: starts a run of the tenant's workflow with a `webhook` trigger on this path",
  description:
    'No API key: when the trigger has a `secret`, the request must carry ' +
    '`X-Weft-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` within 5 minutes ' +
    'of the server clock. `X-Weft-Delivery` (or `Idempotency-Key`) deduplicates redeliveries. The body is ' +
    "the run input (JSON when it parses, else the text; none is `{}`). The method is the trigger's `method` " +
    '(POST by default; PUT, PATCH, DELETE and GET are served the same way). Tenant `default` when the ' +
    'server runs without API keys.',
  security: [],
  request: {
    params: HookParams,
    query: WaitQuery,
    body: {
      required: false,
      description: 'Any content; the signature covers the bytes as sent',
      content: { '*/*': { schema: { type: 'string' as const } } },
    },
  },
  responses: {
    202: {
      description:
        'Accepted: `{ id, duplicate }`; with `?wait=true` and the bound passed, the run as it is',
      headers: {
        [WAIT_HEADER]: { description: 'With `?wait=true`', schema: { type: 'string' as const } },
      },
      content: { 'application/json': { schema: HookAccepted } },
    },
    200: {
      description: 'With `?wait=true`: the run once it settled',
      headers: {
        [WAIT_HEADER]: { description: '`settled`', schema: { type: 'string' as const } },
      },
      content: { 'application/json': { schema: RunObject } },
    },
    ...errors(400, 401, 404, 413, 422, 429),
  },
});

/** An `unauthorized` from the signature check, with its reason as a detail on the header. */
function signatureProblem(e: WeftError): ApiError {
  const reason = (e.details as { reason?: unknown } | undefined)?.reason;
  const details =
    typeof reason === 'string'
      ? [{ path: 'X-Weft-Signature', message: reason }]
      : detailsOf(e.details);
  return new ApiError(401, 'unauthorized', e.message, details);
}

/** The webhook route over `engine.webhooks`. */
export function webhooksPlugin(webhooks: WebhooksFacet): ServerPlugin {
  return {
    publicPrefixes: [HOOKS_PREFIX],
    rawBodyPrefixes: [HOOKS_PREFIX],
    register(app, deps: RouteDeps) {
      // Documented from the route above; served by a plain route, because `path` may hold `/`.
      app.openAPIRegistry.registerPath(deliver);
      const handler = async (c: Context<ApiEnv>) => {
        const tenant = c.req.param('tenant') ?? '';
        const path = c.req.param('path') ?? '';
        if (!TENANT.test(tenant)) throw new ApiError(404, 'not_found', `no webhook ${path}`);
        c.set('tenant', tenant);
        const query = WaitQuery.safeParse(c.req.query());
        if (!query.success) {
          throw new ApiError(400, 'invalid_query', 'the query is invalid: wait, timeout');
        }
        const rawBody = new Uint8Array(await c.req.arrayBuffer());
        let result;
        try {
          const admit = deps.admitStart;
          result = await webhooks.deliver({
            tenant,
            path,
            method: c.req.method,
            headers: c.req.raw.headers,
            rawBody,
            ...(admit === undefined ? {} : { beforeStart: () => admit(tenant) }),
          });
        } catch (e) {
          if (WeftError.is(e) && e.code === 'unauthorized') throw signatureProblem(e);
          throw e;
        }
        if (!wantsWait(query.data.wait)) {
          return c.json({ id: result.runId, duplicate: result.duplicate }, 202);
        }
        // The delivery proved the tenant (path and signature): the run is waited on as theirs.
        const { run, settled } = await deps.engine
          .client(tenant)
          .runs.wait(result.runId, waitBound(deps, query.data.timeout));
        c.header(WAIT_HEADER, settled ? 'settled' : 'timeout');
        return c.json(run, settled ? 200 : 202);
      };
      app.on(METHODS, '/v1/hooks/:tenant/:path{.+}', handler);
    },
  };
}
