/**
 * @module rates
 * Rate buckets in SQLite: one row per bucket with the times of its latest takes, read, judged and
 * written in one IMMEDIATE transaction on this process's clock (one process holds the file).
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { RateAnswer, RateTake } from '@weft/core';
import { checkRate, takeFromWindow } from '@weft/core/store-kit';

export class RateTable {
  readonly #take: Transaction<(t: RateTake, now: number) => RateAnswer>;

  constructor(db: Database) {
    const read: Statement<[string, string], string> = db
      .prepare<[string, string], string>(
        'SELECT stamps FROM rate_buckets WHERE tenant = ? AND bucket = ?',
      )
      .pluck();
    const write = db.prepare<[string, string, string]>(
      `INSERT INTO rate_buckets (tenant, bucket, stamps) VALUES (?, ?, ?)
       ON CONFLICT (tenant, bucket) DO UPDATE SET stamps = excluded.stamps`,
    );
    this.#take = db.transaction((t: RateTake, now: number) => {
      const stored = read.get(t.tenant, t.bucket);
      const stamps = stored === undefined ? [] : (JSON.parse(stored) as number[]);
      const next = takeFromWindow(stamps, now, t.limit, t.perMs);
      write.run(t.tenant, t.bucket, JSON.stringify(next.stamps));
      return next.answer;
    });
  }

  take(t: RateTake): RateAnswer {
    checkRate(t.limit, t.perMs);
    return this.#take.immediate(t, Date.now());
  }
}
