/**
 * @module @weft/engine
 * The run loop and the library face: the Runner (group commit, then commands), node execution,
 * timers, the `Engine`, credentials, API keys and triggers. Faces (the CLI, the server) sit above.
 */
export {
  Engine,
  type EngineOptions,
  type WorkerOptions,
  type PruneRequest,
  type RetentionBounds,
  type RetentionOptions,
  type StartOptions,
  type WorkflowResolver,
} from './engine.js';
export type { RunView, NodeView, RunSummary } from './run-view.js';
export { QUEUE_STATUSES } from './engine.js';
export type { WeftClient } from '@weft/core/client';
export { validateWorkflow, type ValidateOptions } from './validate.js';
export { fileReferences, looksLikeFilePath } from './workflow-refs.js';
export { holdsData, moveTenant, OPEN_TENANT } from './tenants.js';
export {
  defineNode,
  route,
  WeftError,
  customCode,
  isTerminalEvent,
  isTerminal,
  RUN_EVENT_TYPES,
  ERROR_CODES,
  NodeRegistry,
  type NodeType,
  type NodeContext,
  type RunEvent,
  type RunEventType,
  type RunEventOf,
  type ErrorCode,
  type ErrorCause,
  type CustomErrorCode,
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
export { Runner, type ActiveRun, type RunnerOptions } from './runtime/runner.js';
