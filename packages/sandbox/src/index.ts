/**
 * @module @weft/sandbox
 * Runs users' code apart from the engine: a pool of child processes without secrets, each running
 * one job at a time in an interpreter with memory and time limits (JavaScript in QuickJS compiled
 * to WebAssembly). It imports no other Weft package.
 */
export { SandboxPool, workersFromEnv, type SandboxJob, type SandboxPoolOptions } from './pool.js';
export type { SandboxFailureCode, SandboxResult } from './protocol.js';
export type { RuntimeFailureCode, RuntimeResult, SandboxRuntime } from './runtime.js';
export {
  checkSyntax,
  isLanguage,
  LANGUAGES,
  type Language,
  type SyntaxProblem,
} from './languages.js';
export {
  DEFAULT_MEMORY_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_DATA_BYTES,
  MAX_SOURCE_BYTES,
} from './limits.js';
