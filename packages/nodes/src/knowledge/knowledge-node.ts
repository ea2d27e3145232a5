/**
 * @module knowledge/knowledge-node
 * The `knowledge` node type: collections of text chunks kept in the store for the run's tenant.
 * `add` chunks the text, embeds the chunks and stores them (`{ added, chunks: [ids] }`); `query`
 * embeds the query and outputs the `top_k` most similar chunks (`{ matches: [{ text, score,
 * metadata }] }`), optionally fused with keyword ranking (`hybrid`). A query of a collection that
 * has no chunk yet outputs no matches, without calling the endpoint.
 *
 * @example
 * ```yaml
 * - id: find
 *   type: knowledge
 *   with: { collection: docs, op: query, query: "{{ inputs.q }}", credential: openai, model: text-embedding-3-small }
 * ```
 */
import {
  defineNode,
  KNOWLEDGE_LIMITS,
  knowledgeOf,
  WeftError,
  type KnowledgeChunk,
  type NodeContext,
} from '@weft/core/plugin';
import { chunkText } from './chunk.js';
import { embed, type EmbeddingSource } from './embeddings.js';
import { knowledgeParams, type KnowledgeParams } from './params.js';

export const knowledgeNode = defineNode({
  type: 'knowledge',
  description:
    'Knowledge in the store: `add` chunks and embeds `text` into a `collection`; `query` outputs the `top_k` closest chunks.',
  params: knowledgeParams,
  run: async (ctx, p) => {
    const source = await embeddingSource(ctx, p);
    return p.op === 'add' ? add(ctx, p, source) : query(ctx, p, source);
  },
});

async function embeddingSource(ctx: NodeContext, p: KnowledgeParams): Promise<EmbeddingSource> {
  const credential = await ctx.credentials.get(p.credential);
  if (credential.type !== 'openai')
    throw new WeftError(
      'invalid_params',
      `node ${ctx.path}: credential "${p.credential}" is of type ${credential.type}; ` +
        `embeddings need an openai credential (base_url, api_key)`,
    );
  return { baseUrl: credential.base_url, apiKey: credential.api_key, model: p.model };
}

async function add(ctx: NodeContext, p: KnowledgeParams, source: EmbeddingSource) {
  const items = typeof p.text === 'string' ? [p.text] : (p.text ?? []);
  const pieces: { text: string; metadata: Record<string, unknown> }[] = [];
  for (const item of items) {
    const { text, metadata } = typeof item === 'string' ? { text: item, metadata: {} } : item;
    // PostgreSQL text cannot hold U+0000; it carries no meaning in prose.
    for (const c of chunkText(text.replaceAll('\u0000', ''), p.chunk.size, p.chunk.overlap)) {
      if (c.text.trim() === '') continue;
      pieces.push({ text: c.text, metadata: { ...p.metadata, ...metadata } });
    }
  }
  if (pieces.length > KNOWLEDGE_LIMITS.add)
    throw new WeftError(
      'invalid_params',
      `node ${ctx.path}: the text makes ${pieces.length} chunks; at most ${KNOWLEDGE_LIMITS.add} ` +
        `per add (add it in parts, or use larger chunks)`,
    );
  if (pieces.length === 0) return { added: 0, chunks: [] };
  const embeddings = await embed(
    ctx,
    source,
    pieces.map((c) => c.text),
  );
  const chunks: KnowledgeChunk[] = pieces.map((c, i) => ({
    ...c,
    embedding: embeddings[i] ?? new Float32Array(),
  }));
  const ids = await ctx.step('store', () => knowledgeOf(ctx).add(p.collection, chunks));
  return { added: ids.length, chunks: ids };
}

async function query(ctx: NodeContext, p: KnowledgeParams, source: EmbeddingSource) {
  const knowledge = knowledgeOf(ctx);
  if ((await knowledge.collection(p.collection)) === undefined) return { matches: [] };
  const [embedding] = await embed(ctx, source, [p.query ?? '']);
  const matches = await knowledge.query(p.collection, {
    embedding: embedding ?? new Float32Array(),
    topK: p.top_k,
    ...(p.filter === undefined ? {} : { filter: p.filter }),
    ...(p.hybrid ? { keywords: p.query ?? '' } : {}),
  });
  return { matches: matches.map((m) => ({ text: m.text, score: m.score, metadata: m.metadata })) };
}
