/**
 * @module @weft/server
 * Weft's HTTP API (`weft serve`): workflows, runs, live event streams (SSE) and API keys per
 * tenant, on Hono. Give it an engine (the `weft` library's `Engine` fits {@link ServerEngine}).
 *
 * @example
 * ```ts
 * import { Engine } from 'weft';
 * import { envKeys, startServer } from '@weft/server';
 * const engine = await Engine.open({ db: './weft.db' });
 * const server = await startServer({ engine, keys: envKeys(process.env.WEFT_API_KEYS), port: 8080 });
 * ```
 */
export { createApp, type AppOptions } from './app.js';
export { startServer, type RunningServer, type ServerOptions } from './serve.js';
export { anyKey, DEFAULT_TENANT, envKeys, parseApiKeys, type KeyResolver } from './auth.js';
export { ApiError, STATUS_BY_CODE, toApiError, type ErrorDetail } from './errors.js';
export { formatEvent } from './sse.js';
export { jsonLogger, logLevelFrom, type LogLevel } from './log.js';
export { SEQ_HEADER, WAIT_HEADER } from './routes/common.js';
export * from './schemas.js';
export {
  DEFAULT_LIMITS,
  type ApiApp,
  type ApiEnv,
  type RouteDeps,
  type ServerEngine,
  type ServerLimits,
  type ServerPlugin,
} from './types.js';
