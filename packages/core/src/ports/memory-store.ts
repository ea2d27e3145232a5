/**
 * @module ports/memory-store
 * Conversation memory and knowledge collections: the parts of the {@link Store} that the `memory`
 * and `knowledge` nodes reach through the engine's services. Everything is kept per tenant; the
 * bounds each method enforces are in `store-kit/memory-bounds.ts`.
 */

/** One message of a conversation: a JSON object with at least a role and a content. */
export interface MemoryMessage {
  role: string;
  /** Text, or any JSON value (a list of content parts, say). */
  content: unknown;
  [key: string]: unknown;
}

/**
 * Which of a session's messages a read returns: the newest ones, oldest first, as many as both
 * bounds allow. A message's tokens are estimated as ceil(characters of its content / 4), the
 * content's JSON text when it is not a string.
 */
export interface MemoryWindow {
  /** At most this many messages. @default 1000, the most a read returns */
  messages?: number;
  /** At most this many tokens in all: the newest message that does not fit ends the window. */
  tokens?: number;
}

/** A knowledge collection as stored: its chunks all have embeddings of `dimensions` numbers. */
export interface KnowledgeCollection {
  name: string;
  dimensions: number;
  chunks: number;
}

/** A chunk to add: its text, its metadata and the embedding of its text. */
export interface KnowledgeChunk {
  text: string;
  /** A JSON object the query's `filter` is matched against. @default {} */
  metadata?: Record<string, unknown>;
  embedding: Float32Array;
}

/** A metadata filter: every key must hold exactly this value (string, number, boolean or null). */
export type KnowledgeFilter = Readonly<Record<string, string | number | boolean | null>>;

export interface KnowledgeQuery {
  embedding: Float32Array;
  /** How many matches. 1 to 100. */
  topK: number;
  filter?: KnowledgeFilter;
  /**
   * Text to rank by keywords as well (SQLite FTS5 bm25, PostgreSQL `ts_rank`): the two rankings are
   * fused by reciprocal rank (each chunk scores the sum of 1 / (60 + rank) over the rankings it is
   * in). Without it, a match's score is its cosine similarity.
   */
  keywords?: string;
}

export interface KnowledgeMatch {
  id: string;
  text: string;
  /** Cosine similarity, or the fused reciprocal-rank score when the query had `keywords`. */
  score: number;
  metadata: Record<string, unknown>;
}

/** The memory and knowledge part of the store. */
export interface MemoryStore {
  /**
   * Appends messages to a session (created on first append), in one transaction. A session keeps
   * its newest 10,000 messages: older ones are dropped.
   * @returns how many messages the session holds afterwards.
   * @throws WeftError `invalid_argument` past a bound (names, message count and size).
   */
  appendMemory(
    tenant: string,
    session: string,
    messages: readonly MemoryMessage[],
    at: string,
  ): Promise<{ total: number }>;
  /** The session's newest messages within `window`, oldest first; none for an unknown session. */
  readMemory(tenant: string, session: string, window?: MemoryWindow): Promise<MemoryMessage[]>;
  /** Deletes the session's messages. @returns how many there were. */
  clearMemory(tenant: string, session: string): Promise<number>;

  /** The collection, or undefined when it has no chunk yet. */
  knowledgeCollection(tenant: string, name: string): Promise<KnowledgeCollection | undefined>;
  /**
   * Adds chunks to a collection (created by its first add, with their embeddings' dimensions), in
   * one transaction. @returns the new chunks' ids, in order.
   * @throws WeftError `invalid_argument` past a bound, or when an embedding's dimensions are not
   *   the collection's.
   */
  addKnowledge(
    tenant: string,
    collection: string,
    chunks: readonly KnowledgeChunk[],
    at: string,
  ): Promise<string[]>;
  /**
   * The `topK` chunks of the collection that match the filter, best first (ties by id). No matches
   * for an unknown collection.
   * @throws WeftError `invalid_argument` past a bound, or when the embedding's dimensions are not
   *   the collection's.
   */
  queryKnowledge(tenant: string, collection: string, q: KnowledgeQuery): Promise<KnowledgeMatch[]>;
}
