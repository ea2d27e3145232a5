/**
 * @module @weft/core
 * Weft's pure core: the workflow language, expressions, the compiler and the decision function,
 * plus the ports (interfaces) that the shell's adapters implement. No I/O: the run loop is in
 * `@weft/engine`.
 */
export * from './errors.js';
export * from './error-codes.js';
export * from './events.js';
export * from './credential-types.js';
export * from './dsl/types.js';
export * from './dsl/diagnostic.js';
export * from './dsl/index.js';
export * from './expr/index.js';
export * from './nodes/types.js';
export * from './nodes/services.js';
export * from './nodes/registry.js';
export * from './ports/logger.js';
export * from './ports/store.js';
export * from './ports/cluster.js';
export * from './ports/memory-store.js';
export * from './ports/rate-buckets.js';
export * from './ports/token-budgets.js';
export * from './ports/start-keys.js';
export * from './ports/clock.js';
export * from './compile/plan.js';
export * from './compile/compile.js';
export * from './runtime/state.js';
export * from './runtime/protocol.js';
export * from './runtime/decide.js';
export { isRefusal } from './runtime/refusal.js';
export * from './runtime/logic.js';
export {
  acceptedEventsOf,
  machineActionAt,
  machineIdle,
  storedMachine,
} from './runtime/machine/view.js';
export {
  candidates,
  isRecord,
  resolveTarget,
  stateTree,
  targetOf,
  type TreeState,
} from './dsl/machine-tree.js';
export type { RunLogic } from './runtime/run-logic.js';
export { controlNodeTypes } from './runtime/controls/index.js';
export type { Control, Walk } from './runtime/controls/types.js';
export { toBoolean, graphOutput } from './runtime/outputs.js';
export { parseDuration, parseTimestamp, backoffDelay } from './runtime/time.js';
export { concurrencyKeyOf, startKeyOf, type ConcurrencyKey } from './runtime/concurrency.js';
export * from './runtime/persist.js';
export * from './validation/json-schema.js';
