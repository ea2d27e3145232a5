/**
 * @module @weft/server
 * Weft's HTTP API (`weft serve`): workflows, runs, live event streams (SSE), API keys per
 * tenant, credentials, webhooks, Prometheus metrics, OpenTelemetry spans and JSON logs, on Hono. Give it an engine (the `weft` library's `Engine` fits {@link ServerEngine}).
 *
 * @example
 * ```ts
 * import { Engine, keyResolver } from 'weft';
 * import { startServer } from '@weft/server';
 * const engine = await Engine.open({ db: './weft.db' });
 * const server = await startServer({ engine, keys: keyResolver(engine, process.env), port: 8080 });
 * ```
 */
export { createApp, type AppOptions } from './app.js';
export { startServer, type RunningServer, type ServerOptions } from './serve.js';
export { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connections.js';
export { anyKey, DEFAULT_TENANT, type KeyResolver } from './auth.js';
export { ApiError, toApiError, type ErrorDetail } from './errors.js';
export { formatEvent } from './sse.js';
export { jsonLogger, logLevelFrom, type LogLevel } from './log.js';
export {
  Telemetry,
  type ObservedEngine,
  type RunEventsListener,
  type RunIdentityLike,
  type TelemetryOptions,
} from './telemetry.js';
export { credentialsPlugin } from './plugins/credentials.js';
export { HOOKS_PREFIX, webhooksPlugin } from './plugins/webhooks.js';
export { METRICS_PATH, metricsPlugin } from './plugins/metrics.js';
export {
  callWorkflowTool,
  listWorkflowTools,
  workflowToolsServer,
  type WorkflowToolsOptions,
} from './mcp/workflow-tools.js';
export { SEQ_HEADER, WAIT_HEADER } from './routes/common.js';
export {
  admittedClient,
  parseStartRate,
  startAdmission,
  type RatesFacet,
  type StartRate,
} from './start-rate.js';
export * from './schemas.js';
export {
  DEFAULT_LIMITS,
  type ApiApp,
  type ApiEnv,
  type RouteDeps,
  type ServerEngine,
  type ServerLimits,
  type ServerPlugin,
  type WebhooksFacet,
} from './types.js';
