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
} from '@weft/core';
export { standardNodes } from '@weft/nodes';
export { openSqliteStore } from '@weft/store-sqlite';
