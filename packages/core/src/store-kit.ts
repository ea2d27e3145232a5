/**
 * @module @weft/core/store-kit
 * What the SQL stores share beyond the `Store` interface: mapping rows to records, the meaning of
 * queries (cursors, prune bounds), the checks and errors they give. Pure: no SQL dialect, no
 * driver, so each store keeps its own statements and calls these for what must agree.
 */
export * from './store-kit/rows.js';
export * from './store-kit/retention.js';
export * from './store-kit/run-pages.js';
export * from './store-kit/migrations.js';
export * from './store-kit/guard.js';
export * from './store-kit/tenants.js';
export * from './store-kit/workflows.js';
export * from './store-kit/event-entries.js';
export * from './store-kit/memory-bounds.js';
export * from './store-kit/knowledge-rank.js';
export * from './store-kit/rate-window.js';
export * from './store-kit/token-window.js';
export * from './store-kit/bus-messages.js';
export * from './store-kit/debounce-rows.js';
