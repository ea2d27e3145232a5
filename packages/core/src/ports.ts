/**
 * @module @weft/core/ports
 * The interfaces that adapters implement: the store and its records, the clock and the logger.
 */
export * from './ports/store.js';
export * from './ports/cluster.js';
export * from './ports/memory-store.js';
export * from './ports/rate-buckets.js';
export * from './ports/token-budgets.js';
export * from './ports/clock.js';
export * from './ports/logger.js';
