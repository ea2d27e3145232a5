/**
 * @module app
 * The Hono app of `weft serve`: every route of SPEC section 8 that exists so far, API keys per
 * tenant, the error shape, body limits and the OpenAPI document. It does not listen: see
 * `startServer` for that, or call `app.request()` / `app.fetch()` directly.
 *
 * @example
 * ```ts
 * const engine = await Engine.open({ db: './weft.db' });
 * const app = createApp({ engine, keys: keyResolver(engine, process.env) }); // keyResolver: @weft/engine
 * const res = await app.request('/v1/workflows', { headers: { authorization: 'Bearer k1' } });
 * ```
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { silentLogger, WeftError, type Logger } from '@weft/core';
import type { Context } from 'hono';
import { authenticate, type KeyResolver } from './auth.js';
import { bodyLimit, jsonDepthLimit } from './body.js';
import { ApiError, toApiError, zodDetails } from './errors.js';
import { credentialsPlugin } from './plugins/credentials.js';
import { mcpRoutes } from './mcp/http-route.js';
import { metricsPlugin } from './plugins/metrics.js';
import { webhooksPlugin } from './plugins/webhooks.js';
import { CONSOLE_ASSETS_PREFIX, consoleRoutes } from './routes/console.js';
import { controlRoutes } from './routes/control.js';
import { eventRoutes } from './routes/events.js';
import { NODE_TEST_PATH, nodeRoutes } from './routes/nodes.js';
import { retentionRoutes } from './routes/retention.js';
import { runRoutes } from './routes/runs.js';
import { systemRoutes } from './routes/system.js';
import { workflowRoutes } from './routes/workflows.js';
import { admittedClient, startAdmission, type StartRate } from './start-rate.js';
import { Telemetry } from './telemetry.js';
import {
  DEFAULT_LIMITS,
  type ApiApp,
  type ApiEnv,
  type RouteDeps,
  type ServerEngine,
  type ServerLimits,
  type ServerPlugin,
} from './types.js';

export interface AppOptions {
  engine: ServerEngine;
  /** Who may call the API. Without it the API is open and everything belongs to tenant `default`. */
  keys?: KeyResolver | undefined;
  limits?: Partial<ServerLimits>;
  log?: Logger;
  /**
   * Extra routes. Built in: `/v1/credentials`, webhooks when the engine has `webhooks`, and
   * `/metrics`.
   */
  plugins?: readonly ServerPlugin[];
  /** Metrics, spans and run logs. @default one made for this app over `engine` and `log` */
  telemetry?: Telemetry;
  /** Serve `/metrics` without an API key even when the server has keys. @default false */
  metricsPublic?: boolean;
  /** Aborts when the server shuts down: live streams end, waits answer at once, /healthz says 503. */
  closing?: AbortSignal;
  /** Version shown in the OpenAPI document. */
  version?: string;
  /**
   * Starts per tenant at most, in any window (`start-rate.ts`): past it a start is answered 429
   * with `Retry-After`. Needs `engine.rates`. @default no limit
   */
  startRate?: StartRate;
  /**
   * The built web console (its `index.html` and `assets/`), served at `/` without a key. Without
   * it (or when the directory holds no build), `/` says how to build the console.
   */
  consoleDir?: string | undefined;
}

/** Paths any client may read without an API key. */
const PUBLIC_PATHS = new Set(['/', '/healthz', '/openapi.json']);

/** Turns a failed zod validation into the API's error: 404 for path parameters, 422 for bodies, else 400. */
function validationHook(
  result:
    | { success: true }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
        target: string;
      },
  c: Context,
): undefined {
  if (result.success) return undefined;
  const details = zodDetails(result.error.issues);
  const what = details.map((d) => `${d.path === '' ? '(body)' : d.path}: ${d.message}`).join('; ');
  switch (result.target) {
    case 'param':
      throw new ApiError(404, 'not_found', `nothing at ${c.req.path}`);
    case 'json':
      throw new ApiError(422, 'invalid_request', `the request body is invalid: ${what}`, details);
    case 'query':
      throw new ApiError(400, 'invalid_query', `the query is invalid: ${what}`, details);
    default:
      throw new ApiError(400, 'bad_request', `the request is invalid: ${what}`, details);
  }
}

/** The engine as routes see it: with a start rate, every tenant's starts go through it first. */
function admittedEngine(o: AppOptions): {
  engine: ServerEngine;
  admitStart?: (tenant: string) => Promise<void>;
} {
  if (o.startRate === undefined) return { engine: o.engine };
  if (o.engine.rates === undefined) {
    throw new WeftError('invalid_argument', 'a start rate needs an engine with rate buckets');
  }
  const admitStart = startAdmission(o.engine.rates, o.startRate);
  const client = (tenant: string) =>
    admittedClient(o.engine.client(tenant), () => admitStart(tenant));
  // Members are read from the engine itself: its methods may use private fields.
  const engine = new Proxy(o.engine, {
    get(target, key) {
      if (key === 'client') return client;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { engine, admitStart };
}

export function createApp(o: AppOptions): ApiApp {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...o.limits };
  const log = o.log ?? silentLogger;
  const { engine, admitStart } = admittedEngine(o);
  const deps: RouteDeps = {
    engine,
    limits,
    log,
    closing: o.closing ?? new AbortController().signal,
    telemetry: o.telemetry ?? new Telemetry({ engine: o.engine, log }),
  };
  if (admitStart !== undefined) deps.admitStart = admitStart;
  const plugins: ServerPlugin[] = [];
  plugins.push(credentialsPlugin());
  if (o.engine.webhooks !== undefined) plugins.push(webhooksPlugin(o.engine.webhooks));
  plugins.push(metricsPlugin({ public: o.metricsPublic === true }));
  plugins.push(...(o.plugins ?? []));
  const publicPrefixes = plugins.flatMap((p) => p.publicPrefixes ?? []);
  const rawPrefixes = plugins.flatMap((p) => p.rawBodyPrefixes ?? []);
  const isPublic = (path: string) =>
    PUBLIC_PATHS.has(path) ||
    path.startsWith(CONSOLE_ASSETS_PREFIX) ||
    publicPrefixes.some((p) => path.startsWith(p));

  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.onError((e, c) => {
    const err = toApiError(e, (cause) =>
      log.error(
        { err: cause, method: c.req.method, path: c.req.path },
        'request failed unexpectedly',
      ),
    );
    // A storage fault (full disk, I/O error, damaged file) is the operator's to fix: the client
    // gets a 503 with its code, the log names the file and SQLite's code.
    if (err.code.startsWith('storage_'))
      log.error({ err: e, code: err.code, method: c.req.method, path: c.req.path }, err.message);
    // Public routes that refuse a request (webhook signatures) do not ask for an API key.
    if (err.status === 401 && !isPublic(c.req.path)) c.header('WWW-Authenticate', 'Bearer');
    const retryAfter = err.retryAfter;
    if (retryAfter !== undefined) c.header('Retry-After', retryAfter);
    return c.json(err.body, err.status);
  });
  app.notFound((c) =>
    c.json(new ApiError(404, 'not_found', `no route ${c.req.method} ${c.req.path}`).body, 404),
  );

  // One line per request: never a header, a query or a body.
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    const line: Record<string, unknown> = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - t0) * 10) / 10,
    };
    const tenant = c.get('tenant') as string | undefined;
    if (tenant !== undefined) line['tenant'] = tenant;
    log.info(line, 'request');
  });
  app.use('*', authenticate(o.keys, isPublic));
  app.use(
    '*',
    bodyLimit(
      (path) =>
        path === '/v1/workflows'
          ? limits.maxDefinitionBytes
          : path === NODE_TEST_PATH
            ? limits.maxDefinitionBytes + limits.maxBodyBytes
            : limits.maxBodyBytes,
      (path) => rawPrefixes.some((p) => path.startsWith(p)),
    ),
  );
  app.use(
    '*',
    jsonDepthLimit(limits.maxJsonDepth, (path) => path !== '/v1/workflows'),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key from WEFT_API_KEYS (tenant:key,...). Not needed when the server runs without keys.',
  });
  systemRoutes(app, deps);
  consoleRoutes(app, o.consoleDir);
  workflowRoutes(app, deps);
  runRoutes(app, deps);
  controlRoutes(app, deps);
  retentionRoutes(app, deps);
  eventRoutes(app, deps);
  nodeRoutes(app, deps);
  mcpRoutes(app, deps, o.version ?? '0.1.0');
  for (const plugin of plugins) plugin.register(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Weft API',
      version: o.version ?? '0.1.0',
      description:
        'Workflows, runs and their live events. Errors: { "error": { "code", "message", "details" } }.',
    },
    security: [{ bearer: [] }],
  });
  return app;
}
