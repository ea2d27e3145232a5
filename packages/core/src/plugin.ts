/**
 * @module @weft/core/plugin
 * What a node type's author needs, and nothing of the engine's inside: `defineNode`, `route`, the
 * node context, errors and credentials.
 *
 * @example
 * ```ts
 * import { defineNode } from '@weft/core/plugin';
 * ```
 */
export { defineNode, route, isRouted } from './nodes/types.js';
export type { Credential, CredentialType } from './credential-types.js';
export type {
  AskRequest,
  CredentialResolver,
  NodeContext,
  NodeEmit,
  NodeFlags,
  NodeType,
  Routed,
  TokenBudget,
} from './nodes/types.js';
export { knowledgeOf, memoryOf, nodeTypesOf, workflowsOf } from './nodes/services.js';
export type {
  KnowledgeService,
  MemoryService,
  NodeTypeLookup,
  RunKnowledge,
  RunMemory,
  WorkflowCalls,
  WorkflowSummaryForCall,
} from './nodes/services.js';
export type {
  KnowledgeChunk,
  KnowledgeCollection,
  KnowledgeFilter,
  KnowledgeMatch,
  KnowledgeQuery,
  MemoryMessage,
  MemoryWindow,
} from './ports/memory-store.js';
export { KNOWLEDGE_LIMITS, MEMORY_LIMITS } from './store-kit/memory-bounds.js';
export { WeftError, customCode, toWeftError } from './errors.js';
export { bareExpression, checkJq, evaluateJq, runtimeExpression } from './expr/jq.js';
export type { ErrorInfo } from './errors.js';
export type { Logger } from './ports/logger.js';
