/**
 * @module store-kit/memory-bounds
 * The bounds of conversation memory and knowledge collections, checked by both stores where the
 * values enter, so that a workflow cannot fill the database by mistake or make a query unbounded.
 */
import { WeftError } from '../errors.js';
import type {
  KnowledgeChunk,
  KnowledgeQuery,
  MemoryMessage,
  MemoryWindow,
} from '../ports/memory-store.js';

export const MEMORY_LIMITS = {
  /** Characters of a session or collection name. */
  name: 256,
  /** Messages per append. */
  append: 100,
  /** Characters of one message's JSON text. */
  messageChars: 64 * 1024,
  /** Messages a session keeps: the oldest go past it. */
  session: 10_000,
  /** Messages one read returns. */
  read: 1000,
} as const;

export const KNOWLEDGE_LIMITS = {
  /** Characters of one chunk's text. */
  chunkChars: 32 * 1024,
  /** Chunks per add. */
  add: 1000,
  /** Chunks per collection: a query reads them all. */
  collection: 100_000,
  /** Numbers in one embedding. */
  dimensions: 8192,
  /** Characters of one chunk's metadata as JSON. */
  metadataChars: 4096,
  /** Matches per query. */
  topK: 100,
  /** Keys of a query's filter. */
  filterKeys: 32,
  /** Characters of a query's keywords. */
  keywordChars: 4096,
} as const;

const bad = (message: string) => new WeftError('invalid_argument', message);

/**
 * @throws WeftError `invalid_argument` unless `name` has 1 to 256 characters, none of them U+0000
 *   (which PostgreSQL text refuses).
 */
export function checkMemoryName(kind: 'session' | 'collection', name: string): void {
  if (name.length === 0 || name.length > MEMORY_LIMITS.name)
    throw bad(`a ${kind} name has 1 to ${MEMORY_LIMITS.name} characters, got ${name.length}`);
  if (name.includes('\u0000')) throw bad(`a ${kind} name cannot hold U+0000`);
}

/** A message's estimated tokens: ceil(characters of its content / 4). */
export function estimateTokens(message: MemoryMessage): number {
  const content = message.content;
  const text = typeof content === 'string' ? content : (JSON.stringify(content) ?? '');
  return Math.ceil(text.length / 4);
}

/**
 * The messages as the JSON text each is stored as, with its estimated tokens.
 * @throws WeftError `invalid_argument` past a bound, or for a message without a role.
 */
export function memoryRows(
  session: string,
  messages: readonly MemoryMessage[],
): { json: string; tokens: number }[] {
  checkMemoryName('session', session);
  if (messages.length > MEMORY_LIMITS.append)
    throw bad(`at most ${MEMORY_LIMITS.append} messages per append, got ${messages.length}`);
  return messages.map((m, i) => {
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || m.role === '')
      throw bad(`message ${i} of session "${session}" has no role`);
    const json = JSON.stringify(m);
    if (json.length > MEMORY_LIMITS.messageChars)
      throw bad(
        `message ${i} of session "${session}" is ${json.length} characters as JSON; ` +
          `at most ${MEMORY_LIMITS.messageChars}`,
      );
    return { json, tokens: estimateTokens(m) };
  });
}

/** The window's bounds as numbers: the SQL takes both. */
export function windowBounds(window: MemoryWindow = {}): { messages: number; tokens: number } {
  const count = (n: number | undefined, what: string, max: number) => {
    if (n === undefined) return max;
    if (!Number.isInteger(n) || n < 0) throw bad(`window.${what} must be a whole number ≥ 0`);
    return Math.min(n, max);
  };
  return {
    messages: count(window.messages, 'messages', MEMORY_LIMITS.read),
    tokens: count(window.tokens, 'tokens', Number.MAX_SAFE_INTEGER),
  };
}

/** A chunk as it is stored. */
export interface ChunkRow {
  text: string;
  metadata: string;
  embedding: Buffer;
}

/**
 * The chunks as rows, all with embeddings of `dimensions` numbers (the collection's, or the first
 * chunk's for a new collection).
 * @throws WeftError `invalid_argument` past a bound or on a dimension mismatch.
 */
export function knowledgeRows(
  collection: string,
  chunks: readonly KnowledgeChunk[],
  dimensions: number | undefined,
): ChunkRow[] {
  checkMemoryName('collection', collection);
  if (chunks.length > KNOWLEDGE_LIMITS.add)
    throw bad(`at most ${KNOWLEDGE_LIMITS.add} chunks per add, got ${chunks.length}`);
  const want = dimensions ?? chunks[0]?.embedding.length ?? 0;
  return chunks.map((c, i) => {
    if (c.text.length > KNOWLEDGE_LIMITS.chunkChars)
      throw bad(
        `chunk ${i} has ${c.text.length} characters; at most ${KNOWLEDGE_LIMITS.chunkChars}`,
      );
    if (c.text.includes('\u0000')) throw bad(`chunk ${i} holds U+0000`);
    checkEmbedding(collection, c.embedding, want);
    const metadata = JSON.stringify(c.metadata ?? {});
    if (metadata.length > KNOWLEDGE_LIMITS.metadataChars)
      throw bad(
        `the metadata of chunk ${i} is ${metadata.length} characters as JSON; ` +
          `at most ${KNOWLEDGE_LIMITS.metadataChars}`,
      );
    return { text: c.text, metadata, embedding: embeddingBytes(c.embedding) };
  });
}

/** @throws WeftError `invalid_argument` unless the query is within bounds. */
export function checkKnowledgeQuery(collection: string, q: KnowledgeQuery): void {
  checkMemoryName('collection', collection);
  if (!Number.isInteger(q.topK) || q.topK < 1 || q.topK > KNOWLEDGE_LIMITS.topK)
    throw bad(`top_k must be a whole number from 1 to ${KNOWLEDGE_LIMITS.topK}, got ${q.topK}`);
  if (Object.keys(q.filter ?? {}).length > KNOWLEDGE_LIMITS.filterKeys)
    throw bad(`a filter has at most ${KNOWLEDGE_LIMITS.filterKeys} keys`);
  if ((q.keywords?.length ?? 0) > KNOWLEDGE_LIMITS.keywordChars)
    throw bad(`keywords have at most ${KNOWLEDGE_LIMITS.keywordChars} characters`);
}

/** @throws WeftError `invalid_argument` unless the embedding has `dimensions` finite numbers. */
export function checkEmbedding(collection: string, e: Float32Array, dimensions: number): void {
  if (e.length === 0 || e.length > KNOWLEDGE_LIMITS.dimensions)
    throw bad(`an embedding has 1 to ${KNOWLEDGE_LIMITS.dimensions} numbers, got ${e.length}`);
  if (e.length !== dimensions)
    throw bad(
      `an embedding of ${e.length} numbers does not fit collection "${collection}", whose ` +
        `embeddings have ${dimensions}: use the same embedding model for a collection`,
    );
  if (!e.every(Number.isFinite)) throw bad('an embedding holds a number that is not finite');
}

/** @throws WeftError `invalid_argument` when adding `adding` chunks takes the collection past its bound. */
export function checkCollectionSize(collection: string, held: number, adding: number): void {
  if (held + adding > KNOWLEDGE_LIMITS.collection)
    throw bad(
      `collection "${collection}" holds ${held} chunks; adding ${adding} would pass ` +
        `the bound of ${KNOWLEDGE_LIMITS.collection}`,
    );
}

/** An embedding as stored: its float32 numbers, little-endian. */
export function embeddingBytes(e: Float32Array): Buffer {
  const out = Buffer.alloc(e.length * 4);
  for (let i = 0; i < e.length; i++) out.writeFloatLE(e[i] ?? 0, i * 4);
  return out;
}

/** An embedding read back from {@link embeddingBytes}. */
export function embeddingFromBytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
