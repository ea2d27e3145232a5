/**
 * @module nodes/services
 * The store-backed services a node reaches through `ctx.services`: conversation memory and
 * knowledge collections, each kept for the run's tenant. A node knows nothing of tables: the host
 * (the engine) passes these objects, and {@link memoryOf} / {@link knowledgeOf} give a node the
 * part that belongs to its run.
 *
 * @example
 * ```ts
 * run: async (ctx, p) => ({ messages: await memoryOf(ctx).read(p.session) }),
 * ```
 */
import { WeftError } from '../errors.js';
import type {
  KnowledgeChunk,
  KnowledgeCollection,
  KnowledgeMatch,
  KnowledgeQuery,
  MemoryMessage,
  MemoryWindow,
} from '../ports/memory-store.js';
import type { NodeContext, NodeType } from './types.js';

/** Conversation memory of one run's tenant. */
export interface RunMemory {
  append(session: string, messages: readonly MemoryMessage[]): Promise<{ total: number }>;
  read(session: string, window?: MemoryWindow): Promise<MemoryMessage[]>;
  clear(session: string): Promise<number>;
}

/** Knowledge collections of one run's tenant. */
export interface RunKnowledge {
  collection(name: string): Promise<KnowledgeCollection | undefined>;
  add(collection: string, chunks: readonly KnowledgeChunk[]): Promise<string[]>;
  query(collection: string, q: KnowledgeQuery): Promise<KnowledgeMatch[]>;
}

/** `ctx.services.memory`: the memory of the tenant of the run named. */
export interface MemoryService {
  forRun(runId: string): RunMemory;
}

/** `ctx.services.knowledge`: the collections of the tenant of the run named. */
export interface KnowledgeService {
  forRun(runId: string): RunKnowledge;
}

function service<T>(ctx: NodeContext, name: string): T {
  const found = ctx.services[name];
  if (typeof found !== 'object' || found === null || !('forRun' in found))
    throw new WeftError(
      'unsupported',
      `node ${ctx.path} needs the host's ${name} service, and this host gives none`,
    );
  return found as T;
}

/** The run's conversation memory. @throws WeftError `unsupported` when the host has none. */
export const memoryOf = (ctx: NodeContext): RunMemory =>
  service<MemoryService>(ctx, 'memory').forRun(ctx.runId);

/** The run's knowledge collections. @throws WeftError `unsupported` when the host has none. */
export const knowledgeOf = (ctx: NodeContext): RunKnowledge =>
  service<KnowledgeService>(ctx, 'knowledge').forRun(ctx.runId);

/** `ctx.services.nodeTypes`: the registered node types (an agent runs inline tool specs). */
export interface NodeTypeLookup {
  get(type: string): NodeType | undefined;
}

export interface WorkflowSummaryForCall {
  id: string;
  version: number;
  name?: string;
  description?: string;
  /** The workflow's `inputs`: JSON Schema of its input. */
  inputs?: Record<string, unknown>;
}

/** `ctx.services.workflows`: stored workflows called from inside a node (an agent's tools). */
export interface WorkflowCalls {
  /** The workflow as a caller in run `runId`'s tenant sees it. */
  describe(runId: string, workflow: string, version?: number): Promise<WorkflowSummaryForCall>;
  /**
   * Starts the workflow in run `runId`'s tenant under the idempotency key `key` (so that a call
   * made again after a crash finds the run it started) and waits for it to finish: its output, or
   * its failure thrown as a WeftError. `signal` stops the waiting, not the run.
   */
  call(
    runId: string,
    request: {
      workflow: string;
      version?: number;
      input: unknown;
      key: string;
      signal: AbortSignal;
    },
  ): Promise<unknown>;
}

function hostService<T>(ctx: NodeContext, name: string): T {
  const found = ctx.services[name];
  if (typeof found !== 'object' || found === null) {
    throw new WeftError(
      'unsupported',
      `node ${ctx.path} needs the host's ${name} service, and this host gives none`,
    );
  }
  return found as T;
}

/** The registered node types. @throws WeftError `unsupported` when the host gives none. */
export const nodeTypesOf = (ctx: NodeContext): NodeTypeLookup =>
  hostService<NodeTypeLookup>(ctx, 'nodeTypes');

/** Stored workflows to call. @throws WeftError `unsupported` when the host gives none. */
export const workflowsOf = (ctx: NodeContext): WorkflowCalls =>
  hostService<WorkflowCalls>(ctx, 'workflows');
