/**
 * @module knowledge
 * The `knowledge` node type: chunked, embedded text kept in the store and ranked by similarity.
 */
export { knowledgeNode } from './knowledge-node.js';
export { knowledgeParams, type KnowledgeParams } from './params.js';
export { chunkText, type Chunk } from './chunk.js';
