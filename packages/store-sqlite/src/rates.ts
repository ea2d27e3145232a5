/**
 * @module rates
 * Rate buckets in SQLite: one row per bucket with the takes it remembers, read, judged and written
 * in one IMMEDIATE transaction on this process's clock (the processes that share a file are on one
 * machine, on one clock).
 */
import type { Database, Transaction } from 'better-sqlite3';
import type { RateAnswer, RateRelease, RateTake } from '@weft/core';
import {
  checkRate,
  releaseInWindow,
  takeFromWindow,
  type RateBucketState,
} from '@weft/core/store-kit';

type Row = { ended: string; running: string };

export class RateTable {
  readonly #take: Transaction<(t: RateTake, now: number) => RateAnswer>;
  readonly #release: Transaction<(r: RateRelease, now: number) => void>;

  constructor(db: Database) {
    const read = db.prepare<[string, string], Row>(
      'SELECT ended, running FROM rate_buckets WHERE tenant = ? AND bucket = ?',
    );
    const write = db.prepare<[string, string, string, string]>(
      `INSERT INTO rate_buckets (tenant, bucket, ended, running) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, bucket) DO UPDATE SET ended = excluded.ended, running = excluded.running`,
    );
    const load = (tenant: string, bucket: string): RateBucketState => {
      const row = read.get(tenant, bucket);
      if (row === undefined) return { ended: [], running: [] };
      return {
        ended: JSON.parse(row.ended) as number[],
        running: JSON.parse(row.running) as number[],
      };
    };
    const save = (tenant: string, bucket: string, state: RateBucketState) =>
      write.run(tenant, bucket, JSON.stringify(state.ended), JSON.stringify(state.running));
    this.#take = db.transaction((t: RateTake, now: number) => {
      const next = takeFromWindow(load(t.tenant, t.bucket), now, t.limit, t.perMs, t.holdMs);
      save(t.tenant, t.bucket, next.state);
      return next.answer;
    });
    this.#release = db.transaction((r: RateRelease, now: number) => {
      save(r.tenant, r.bucket, releaseInWindow(load(r.tenant, r.bucket), now, r.perMs, r.token));
    });
  }

  take(t: RateTake): RateAnswer {
    checkRate(t.limit, t.perMs, t.holdMs);
    return this.#take.immediate(t, Date.now());
  }

  release(r: RateRelease): void {
    checkRate(1, r.perMs);
    this.#release.immediate(r, Date.now());
  }
}
