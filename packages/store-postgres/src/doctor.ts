/**
 * @module doctor
 * `weft doctor --postgres`'s look at a database: can it be reached, is its schema empty or Weft's,
 * which migrations it still lacks, and which workers hold a live lease on it. Reads only: nothing
 * is migrated or written, so checking another application's or a newer Weft's schema changes
 * nothing in it.
 */
import { silentLogger, WeftError } from '@weft/core';
import { PostgresClaims } from './claims.js';
import { checkUrl, createPool, redactUrl } from './connect.js';
import { storageError } from './errors.js';
import { checkSchema } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { CLUSTER_MIGRATION } from './cluster-migration.js';

export interface PostgresCheck {
  /** The URL without its password. */
  database: string;
  ok: boolean;
  /** What is wrong, one entry per problem; empty when ok. */
  problems: string[];
  /** Migrations applied, and those this Weft would apply (`weft migrate`, or any start). */
  schema?: { applied: string[]; pending: string[] };
  /** Workers whose lease has not lapsed (empty before the schema has the cluster's tables). */
  workers?: { id: string; version: string; where: string; expiresAt: string }[];
}

export async function checkPostgresDatabase(url: string): Promise<PostgresCheck> {
  const database = redactUrl(url);
  try {
    checkUrl(url);
  } catch (e) {
    return { database, ok: false, problems: [(e as Error).message] };
  }
  const pool = createPool({ url, max: 1, log: silentLogger, label: database });
  try {
    const client = await pool.connect();
    let applied: Set<string>;
    try {
      applied = await checkSchema(client, database);
    } finally {
      client.release();
    }
    const pending = MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
    const workers = applied.has(CLUSTER_MIGRATION.name)
      ? await new PostgresClaims(pool).workers()
      : [];
    return {
      database,
      ok: true,
      problems: [],
      schema: { applied: [...applied], pending },
      workers,
    };
  } catch (e) {
    const error = storageError(e, database);
    const message = WeftError.is(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    return { database, ok: false, problems: [message] };
  } finally {
    await pool.end();
  }
}
