/**
 * @module @weft/core
 * Weft's pure core: the workflow language, expressions, the compiler and the decision function,
 * plus the ports (interfaces) that the shell's adapters implement.
 */
export * from './errors.js';
export * from './dsl/types.js';
export * from './dsl/diagnostic.js';
export * from './nodes/types.js';
export * from './nodes/registry.js';
export * from './ports/logger.js';
export * from './ports/store.js';
