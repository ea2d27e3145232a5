/**
 * @module memory
 * The `memory` node type: conversation memory kept in the store.
 */
export { memoryNode } from './memory-node.js';
export { memoryParams, type MemoryParams } from './params.js';
