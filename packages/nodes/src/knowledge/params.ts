/**
 * @module knowledge/params
 * The `knowledge` node's parameters, bounded where they enter (see `KNOWLEDGE_LIMITS`).
 */
import { KNOWLEDGE_LIMITS, MEMORY_LIMITS } from '@weft/core/plugin';
import { z } from 'zod';

/** Characters of text one add takes in all. */
export const MAX_ADD_CHARS = 4 * 1024 * 1024;

const metadata = z.record(z.string(), z.unknown());
const item = z.union([
  z.string(),
  z.strictObject({ text: z.string(), metadata: metadata.optional() }),
]);

export const knowledgeParams = z
  .strictObject({
    collection: z.string().min(1).max(MEMORY_LIMITS.name),
    op: z.enum(['add', 'query']),
    /** For `add`: a text, or a list of texts or `{ text, metadata }`. */
    text: z
      .union([z.string().max(MAX_ADD_CHARS), z.array(item).max(KNOWLEDGE_LIMITS.add)])
      .optional(),
    /** For `add`: metadata of every chunk (an item's own metadata adds to it). */
    metadata: metadata.optional(),
    /** For `add`: chunk size and overlap, in characters. */
    chunk: z
      .strictObject({
        size: z.number().int().min(1).max(KNOWLEDGE_LIMITS.chunkChars).default(1000),
        overlap: z.number().int().min(0).default(200),
      })
      .refine((c) => c.overlap < c.size, { message: 'overlap must be less than size' })
      .default({ size: 1000, overlap: 200 }),
    /** For `query`: the text to find chunks like. */
    query: z.string().min(1).max(KNOWLEDGE_LIMITS.keywordChars).optional(),
    top_k: z.number().int().min(1).max(KNOWLEDGE_LIMITS.topK).default(4),
    /** For `query`: metadata values a chunk must hold exactly. */
    filter: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .refine((f) => Object.keys(f).length <= KNOWLEDGE_LIMITS.filterKeys, {
        message: `at most ${KNOWLEDGE_LIMITS.filterKeys} keys`,
      })
      .optional(),
    /** For `query`: fuse keyword ranking with the embeddings' ranking. */
    hybrid: z.boolean().default(false),
    /** An `openai` credential: `base_url` and `api_key` of the embeddings endpoint. */
    credential: z.string().min(1),
    /** The embedding model. */
    model: z.string().min(1),
  })
  .refine((p) => p.op !== 'add' || p.text !== undefined, {
    message: '`text` is required to add',
    path: ['text'],
  })
  .refine((p) => p.op !== 'query' || p.query !== undefined, {
    message: '`query` is required to query',
    path: ['query'],
  });

export type KnowledgeParams = z.infer<typeof knowledgeParams>;
