/**
 * @module store-kit/knowledge-rank
 * How a knowledge query ranks, the same for every store: a store reads the collection's chunks
 * and hands each to a {@link KnowledgeRanking}, which keeps those that pass the metadata filter,
 * scores them by cosine similarity, and, with keywords, fuses that ranking with the store's
 * keyword ranking by reciprocal rank. No database extension is needed: the vectors are compared
 * here, in JavaScript.
 */
import type { KnowledgeFilter, KnowledgeMatch, KnowledgeQuery } from '../ports/memory-store.js';
import { embeddingFromBytes } from './memory-bounds.js';

/** A chunk as a store reads it. */
export interface ScannedChunk {
  id: number;
  text: string;
  /** JSON text of an object. */
  metadata: string;
  embedding: Uint8Array;
}

/** The constant of reciprocal rank fusion (the usual 60): damps the weight of the first ranks. */
export const RRF_K = 60;
/** How many of each ranking take part in fusion. */
export const FUSION_POOL = 200;
/** Terms of a keyword query kept. */
const MAX_TERMS = 64;

/**
 * The words of a keyword query, lower-case and without repeats: letters, digits and `_` only, so
 * that they are safe in an FTS5 MATCH or a tsquery whatever the user typed.
 */
export function keywordTerms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return [...new Set(words)].slice(0, MAX_TERMS);
}

interface Scored {
  id: number;
  score: number;
  text: string;
  metadata: Record<string, unknown>;
}

const better = (a: Scored, b: Scored) => b.score - a.score || a.id - b.id;

/** The ranking of one query; see the module doc. */
export class KnowledgeRanking {
  readonly #q: KnowledgeQuery;
  readonly #norm: number;
  readonly #keep: number;
  readonly #fuse: boolean;
  /** Keyword ranks (0 = best) of the chunks the store's keyword search found. */
  readonly #keywordRank: ReadonlyMap<number, number>;
  /** The best chunks by cosine, best first, at most `#keep`. */
  readonly #best: Scored[] = [];
  /** The keyword hits that pass the filter, by id. */
  readonly #keywordHits = new Map<number, Scored>();

  /**
   * @param keywordIds - the store's keyword ranking of the query's {@link keywordTerms}, best
   *   first, at most {@link FUSION_POOL}; undefined when the query has no keyword terms.
   */
  constructor(q: KnowledgeQuery, keywordIds?: readonly number[]) {
    this.#q = q;
    this.#norm = norm(q.embedding);
    this.#fuse = keywordIds !== undefined;
    this.#keep = this.#fuse ? Math.max(q.topK, FUSION_POOL) : q.topK;
    this.#keywordRank = new Map((keywordIds ?? []).map((id, rank) => [id, rank]));
  }

  offer(chunk: ScannedChunk): void {
    const metadata = JSON.parse(chunk.metadata) as Record<string, unknown>;
    if (!passes(metadata, this.#q.filter)) return;
    const e = embeddingFromBytes(chunk.embedding);
    const scored: Scored = {
      id: chunk.id,
      score: cosine(this.#q.embedding, this.#norm, e),
      text: chunk.text,
      metadata,
    };
    if (this.#keywordRank.has(chunk.id)) this.#keywordHits.set(chunk.id, scored);
    insertBounded(this.#best, scored, this.#keep);
  }

  /** The `topK` matches, best first. */
  matches(): KnowledgeMatch[] {
    const ranked = this.#fuse ? this.#fused() : this.#best;
    return ranked.slice(0, this.#q.topK).map((s) => ({
      id: String(s.id),
      text: s.text,
      score: s.score,
      metadata: s.metadata,
    }));
  }

  #fused(): Scored[] {
    const fused = new Map<number, Scored>();
    const add = (s: Scored, rank: number) => {
      const prior = fused.get(s.id);
      const score = (prior?.score ?? 0) + 1 / (RRF_K + rank + 1);
      fused.set(s.id, { ...s, score });
    };
    this.#best.forEach(add);
    [...this.#keywordHits.values()]
      .sort((a, b) => (this.#keywordRank.get(a.id) ?? 0) - (this.#keywordRank.get(b.id) ?? 0))
      .forEach(add);
    return [...fused.values()].sort(better);
  }
}

/** Whether every key of the filter holds exactly its value in the metadata. */
function passes(metadata: Record<string, unknown>, filter: KnowledgeFilter | undefined): boolean {
  if (filter === undefined) return true;
  for (const [key, value] of Object.entries(filter)) {
    if (!Object.hasOwn(metadata, key) || metadata[key] !== value) return false;
  }
  return true;
}

function norm(v: Float32Array): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

/** Cosine similarity; 0 when either vector is all zeros. */
function cosine(q: Float32Array, qNorm: number, e: Float32Array): number {
  let dot = 0;
  let sum = 0;
  for (let i = 0; i < e.length; i++) {
    const x = e[i] ?? 0;
    dot += (q[i] ?? 0) * x;
    sum += x * x;
  }
  const denominator = qNorm * Math.sqrt(sum);
  return denominator === 0 ? 0 : dot / denominator;
}

/** Inserts into a list kept sorted best first and at most `keep` long. */
function insertBounded(list: Scored[], s: Scored, keep: number): void {
  const last = list[list.length - 1];
  if (list.length >= keep && last !== undefined && better(s, last) >= 0) return;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (better(list[mid] as Scored, s) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, s);
  if (list.length > keep) list.pop();
}
