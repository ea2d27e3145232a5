/**
 * @module memory
 * Conversation memory and knowledge collections in PostgreSQL: messages per session, chunks with
 * their embeddings as bytea, and full-text search (`ts_rank`) for keyword ranking. Ranking itself
 * is the core's (`KnowledgeRanking`), so that both stores rank alike.
 *
 * Writes to one session or collection take a transaction-scoped advisory lock on its name, so that
 * concurrent appends number their messages one after the other and a collection's first two adds
 * agree on its dimensions.
 */
import type pg from 'pg';
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
} from '@weft/core/store-kit';
import { inTransaction } from './connect.js';

/** Chunks read per query of a collection's scan. */
const SCAN_PAGE = 1000;

const lock = (c: pg.PoolClient, kind: string, tenant: string, name: string) =>
  c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${kind}/${tenant}/${name}`]);

export class MemoryTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async append(
    tenant: string,
    session: string,
    messages: readonly MemoryMessage[],
    at: string,
  ): Promise<{ total: number }> {
    const rows = memoryRows(session, messages);
    return inTransaction(this.#pool, async (c) => {
      await lock(c, 'memory', tenant, session);
      const last = await c.query<{ seq: number }>(
        `SELECT COALESCE(MAX(seq), 0) AS seq FROM memory_messages
         WHERE tenant = $1 AND session = $2`,
        [tenant, session],
      );
      const first = (last.rows[0]?.seq ?? 0) + 1;
      if (rows.length > 0) {
        await c.query(
          `INSERT INTO memory_messages (tenant, session, seq, message, tokens, created_at)
           SELECT $1, $2, $3 + o - 1, m, t, $4
           FROM unnest($5::text[], $6::integer[]) WITH ORDINALITY AS x(m, t, o)`,
          [tenant, session, first, at, rows.map((r) => r.json), rows.map((r) => r.tokens)],
        );
      }
      const lastSeq = first + rows.length - 1;
      await c.query(
        'DELETE FROM memory_messages WHERE tenant = $1 AND session = $2 AND seq <= $3',
        [tenant, session, lastSeq - MEMORY_LIMITS.session],
      );
      const count = await c.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM memory_messages WHERE tenant = $1 AND session = $2`,
        [tenant, session],
      );
      return { total: count.rows[0]?.n ?? 0 };
    });
  }

  async read(tenant: string, session: string, window?: MemoryWindow): Promise<MemoryMessage[]> {
    checkMemoryName('session', session);
    const { messages, tokens } = windowBounds(window);
    if (messages === 0) return [];
    // The running sum goes newest first: the window is the newest messages whose sum fits.
    const { rows } = await this.#pool.query<{ message: string }>(
      `SELECT message FROM (
         SELECT seq, message, SUM(tokens) OVER (ORDER BY seq DESC) AS running
         FROM memory_messages WHERE tenant = $1 AND session = $2) w
       WHERE running <= $3 ORDER BY seq DESC LIMIT $4`,
      [tenant, session, tokens, messages],
    );
    return rows.reverse().map((r) => JSON.parse(r.message) as MemoryMessage);
  }

  async clear(tenant: string, session: string): Promise<number> {
    checkMemoryName('session', session);
    const r = await this.#pool.query(
      'DELETE FROM memory_messages WHERE tenant = $1 AND session = $2',
      [tenant, session],
    );
    return r.rowCount ?? 0;
  }
}

interface ChunkRow {
  id: string;
  text: string;
  metadata: string;
  embedding: Buffer;
}

export class KnowledgeTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async collection(tenant: string, name: string): Promise<KnowledgeCollection | undefined> {
    checkMemoryName('collection', name);
    return this.#held(this.#pool, tenant, name);
  }

  async #held(
    on: pg.Pool | pg.PoolClient,
    tenant: string,
    name: string,
  ): Promise<KnowledgeCollection | undefined> {
    const { rows } = await on.query<KnowledgeCollection>(
      `SELECT name, dimensions, chunks FROM knowledge_collections WHERE tenant = $1 AND name = $2`,
      [tenant, name],
    );
    return rows[0];
  }

  async add(
    tenant: string,
    collection: string,
    chunks: readonly KnowledgeChunk[],
    at: string,
  ): Promise<string[]> {
    checkMemoryName('collection', collection);
    return inTransaction(this.#pool, async (c) => {
      await lock(c, 'knowledge', tenant, collection);
      const held = await this.#held(c, tenant, collection);
      const rows = knowledgeRows(collection, chunks, held?.dimensions);
      const first = rows[0];
      if (first === undefined) return [];
      checkCollectionSize(collection, held?.chunks ?? 0, rows.length);
      await c.query(
        `INSERT INTO knowledge_collections (tenant, name, dimensions, chunks, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant, name) DO UPDATE
           SET chunks = knowledge_collections.chunks + excluded.chunks`,
        [tenant, collection, first.embedding.length / 4, rows.length, at],
      );
      const { rows: ids } = await c.query<{ id: string }>(
        `INSERT INTO knowledge_chunks (tenant, collection, text, metadata, embedding, created_at)
         SELECT $1, $2, t, m, e, $3
         FROM unnest($4::text[], $5::text[], $6::bytea[]) WITH ORDINALITY AS x(t, m, e, o)
         ORDER BY o RETURNING id`,
        [
          tenant,
          collection,
          at,
          rows.map((r) => r.text),
          rows.map((r) => r.metadata),
          rows.map((r) => r.embedding),
        ],
      );
      return ids.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
    });
  }

  async query(tenant: string, collection: string, q: KnowledgeQuery): Promise<KnowledgeMatch[]> {
    checkKnowledgeQuery(collection, q);
    const held = await this.#held(this.#pool, tenant, collection);
    if (held === undefined) return [];
    checkEmbedding(collection, q.embedding, held.dimensions);
    const terms = keywordTerms(q.keywords ?? '');
    const ranking = new KnowledgeRanking(
      q,
      terms.length === 0 ? undefined : await this.#keywordIds(tenant, collection, terms),
    );
    for (let after = '0'; ;) {
      const { rows } = await this.#pool.query<ChunkRow>(
        `SELECT id, text, metadata, embedding FROM knowledge_chunks
         WHERE tenant = $1 AND collection = $2 AND id > $3 ORDER BY id LIMIT $4`,
        [tenant, collection, after, SCAN_PAGE],
      );
      for (const r of rows) ranking.offer({ ...r, id: Number(r.id) });
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < SCAN_PAGE) break;
      after = last.id;
    }
    return ranking.matches();
  }

  async #keywordIds(tenant: string, collection: string, terms: string[]): Promise<number[]> {
    // The terms are letters, digits and `_` only: quoted, each is one lexeme of the tsquery.
    const { rows } = await this.#pool.query<{ id: string }>(
      `SELECT id FROM knowledge_chunks, to_tsquery('simple', $3) AS query
       WHERE tenant = $1 AND collection = $2 AND keywords @@ query
       ORDER BY ts_rank(keywords, query) DESC, id LIMIT $4`,
      [tenant, collection, terms.map((t) => `'${t}'`).join(' | '), FUSION_POOL],
    );
    return rows.map((r) => Number(r.id));
  }
}
