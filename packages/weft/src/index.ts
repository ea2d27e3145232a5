/**
 * @module weft
 * Weft: a durable workflow engine for automation and AI graphs.
 *
 * @example
 * ```ts
 * import { Engine, defineNode } from 'weft';
 * const engine = await Engine.open({ db: ':memory:' });
 * const run = await engine.run(definitionText, { input: {} });
 * ```
 */
export { Engine, type EngineOptions, type StartOptions, type WorkflowResolver } from './engine.js';
export type { RunView, NodeView } from './run-view.js';
export {
  defineNode,
  route,
  WeftError,
  NodeRegistry,
  type NodeType,
  type NodeContext,
  type RunEvent,
  type WorkflowDefinition,
  type Diagnostic,
  type Store,
  type Credential,
  type CredentialSummary,
  type Logger,
  type Clock,
} from '@weft/core';
export {
  Credentials,
  CREDENTIAL_NAME,
  CREDENTIAL_TYPES,
  MIN_SECRET_LENGTH,
} from './credentials/index.js';
export {
  ApiKeys,
  keyResolver,
  parseApiKeys,
  staticKeys,
  hashKey,
  type CreatedKey,
  type KeyResolver,
  type KeySummary,
} from './keys/index.js';
export {
  Webhooks,
  Scheduler,
  startScheduler,
  signWebhook,
  verifySignature,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_MS,
  DELIVERY_HEADERS,
  type HeaderBag,
  type WebhookRequest,
  type WebhookResult,
  type SchedulerOptions,
} from './triggers/index.js';
export { standardNodes } from '@weft/nodes';
export { openSqliteStore } from '@weft/store-sqlite';
