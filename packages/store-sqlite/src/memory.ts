/**
 * @module memory
 * Conversation memory and knowledge collections in SQLite: messages per session, chunks with their
 * embeddings as BLOBs, and FTS5 for keyword ranking. Ranking itself is the core's
 * (`KnowledgeRanking`), so that both stores rank alike.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type {
  KnowledgeChunk,
  KnowledgeCollection,
  KnowledgeMatch,
  KnowledgeQuery,
  MemoryMessage,
  MemoryWindow,
} from '@weft/core';
import {
  checkCollectionSize,
  checkEmbedding,
  checkKnowledgeQuery,
  checkMemoryName,
  FUSION_POOL,
  KnowledgeRanking,
  keywordTerms,
  knowledgeRows,
  MEMORY_LIMITS,
  memoryRows,
  windowBounds,
  type ScannedChunk,
} from '@weft/core/store-kit';

type Append = (
  tenant: string,
  session: string,
  messages: readonly MemoryMessage[],
  at: string,
) => { total: number };

/** The memory_messages table. */
export class MemoryTable {
  readonly #read: Statement<[string, string, number, number], string>;
  readonly #clear: Statement<[string, string]>;
  readonly #append: Transaction<Append>;

  constructor(db: Database) {
    // The running sum goes newest first: the window is the newest messages whose sum fits.
    this.#read = db
      .prepare<[string, string, number, number], string>(
        `SELECT message FROM (
           SELECT seq, message, SUM(tokens) OVER (ORDER BY seq DESC) AS running
           FROM memory_messages WHERE tenant = ? AND session = ?)
         WHERE running <= ? ORDER BY seq DESC LIMIT ?`,
      )
      .pluck();
    this.#clear = db.prepare('DELETE FROM memory_messages WHERE tenant = ? AND session = ?');
    const last = db
      .prepare<[string, string], number>(
        'SELECT COALESCE(MAX(seq), 0) FROM memory_messages WHERE tenant = ? AND session = ?',
      )
      .pluck();
    const insert = db.prepare(
      `INSERT INTO memory_messages (tenant, session, seq, message, tokens, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const trim = db.prepare(
      'DELETE FROM memory_messages WHERE tenant = ? AND session = ? AND seq <= ?',
    );
    const count = db
      .prepare<[string, string], number>(
        'SELECT COUNT(*) FROM memory_messages WHERE tenant = ? AND session = ?',
      )
      .pluck();
    this.#append = db.transaction<Append>((tenant, session, messages, at) => {
      const rows = memoryRows(session, messages);
      let seq = last.get(tenant, session) ?? 0;
      for (const r of rows) insert.run(tenant, session, ++seq, r.json, r.tokens, at);
      trim.run(tenant, session, seq - MEMORY_LIMITS.session);
      return { total: count.get(tenant, session) ?? 0 };
    });
  }

  append(tenant: string, session: string, messages: readonly MemoryMessage[], at: string) {
    return this.#append.immediate(tenant, session, messages, at);
  }

  read(tenant: string, session: string, window?: MemoryWindow): MemoryMessage[] {
    checkMemoryName('session', session);
    const { messages, tokens } = windowBounds(window);
    if (messages === 0) return [];
    const rows = this.#read.all(tenant, session, tokens, messages);
    return rows.reverse().map((json) => JSON.parse(json) as MemoryMessage);
  }

  clear(tenant: string, session: string): number {
    checkMemoryName('session', session);
    return this.#clear.run(tenant, session).changes;
  }
}

type Add = (
  tenant: string,
  collection: string,
  chunks: readonly KnowledgeChunk[],
  at: string,
) => string[];

/** The knowledge tables. */
export class KnowledgeTable {
  readonly #collection: Statement<[string, string], KnowledgeCollection>;
  readonly #keywords: Statement<[string, string, string, number], number>;
  readonly #scan: Statement<[string, string], ScannedChunk>;
  readonly #add: Transaction<Add>;

  constructor(db: Database) {
    this.#collection = db.prepare(
      `SELECT name, dimensions, chunks FROM knowledge_collections WHERE tenant = ? AND name = ?`,
    );
    this.#keywords = db
      .prepare<[string, string, string, number], number>(
        `SELECT f.rowid FROM knowledge_fts f JOIN knowledge_chunks c ON c.id = f.rowid
         WHERE knowledge_fts MATCH ? AND c.tenant = ? AND c.collection = ?
         ORDER BY bm25(knowledge_fts), f.rowid LIMIT ?`,
      )
      .pluck();
    this.#scan = db.prepare(
      `SELECT id, text, metadata, embedding FROM knowledge_chunks
       WHERE tenant = ? AND collection = ? ORDER BY id`,
    );
    const upsert = db.prepare(
      `INSERT INTO knowledge_collections (tenant, name, dimensions, chunks, created_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant, name) DO UPDATE SET chunks = chunks + excluded.chunks`,
    );
    const insert = db.prepare(
      `INSERT INTO knowledge_chunks (tenant, collection, text, metadata, embedding, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#add = db.transaction<Add>((tenant, collection, chunks, at) => {
      const held = this.#collection.get(tenant, collection);
      const rows = knowledgeRows(collection, chunks, held?.dimensions);
      const first = rows[0];
      if (first === undefined) return [];
      checkCollectionSize(collection, held?.chunks ?? 0, rows.length);
      upsert.run(tenant, collection, first.embedding.length / 4, rows.length, at);
      return rows.map((r) =>
        String(insert.run(tenant, collection, r.text, r.metadata, r.embedding, at).lastInsertRowid),
      );
    });
  }

  collection(tenant: string, name: string): KnowledgeCollection | undefined {
    checkMemoryName('collection', name);
    return this.#collection.get(tenant, name);
  }

  add(tenant: string, collection: string, chunks: readonly KnowledgeChunk[], at: string) {
    return this.#add.immediate(tenant, collection, chunks, at);
  }

  query(tenant: string, collection: string, q: KnowledgeQuery): KnowledgeMatch[] {
    checkKnowledgeQuery(collection, q);
    const held = this.#collection.get(tenant, collection);
    if (held === undefined) return [];
    checkEmbedding(collection, q.embedding, held.dimensions);
    const terms = keywordTerms(q.keywords ?? '');
    const keywordIds =
      terms.length === 0
        ? undefined
        : this.#keywords.all(
            terms.map((t) => `"${t}"`).join(' OR '),
            tenant,
            collection,
            FUSION_POOL,
          );
    const ranking = new KnowledgeRanking(q, keywordIds);
    for (const chunk of this.#scan.iterate(tenant, collection)) ranking.offer(chunk);
    return ranking.matches();
  }
}
