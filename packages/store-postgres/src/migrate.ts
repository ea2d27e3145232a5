/**
 * @module migrate
 * Applies {@link MIGRATIONS}: all pending steps in one transaction, under an advisory lock, so that
 * two processes starting together do not race (the second waits, then finds nothing to do), and a
 * failure leaves the schema exactly as it was.
 *
 * Whose schema it is: Weft's tables live in the connection's current schema. A schema holding
 * tables but no `weft_migrations` is another application's and is refused before anything is
 * written; so is one recording migrations this build does not know (a newer Weft wrote it).
 */
import type pg from 'pg';
import { WeftError } from '@weft/core';
import { checkKnownMigrations } from '@weft/core/store-kit';
import { inTransaction } from './connect.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/** The record of applied migrations: a name only Weft's schema has. */
export const MIGRATIONS_TABLE = 'weft_migrations';

/**
 * Reads what the schema holds, writing nothing.
 * @returns the migration names applied so far (none for an empty schema).
 * @throws WeftError `store_not_weft`, `store_too_new`
 */
export async function checkSchema(
  client: pg.ClientBase,
  label: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<Set<string>> {
  const { rows } = await client.query<{ schema: string | null; tables: string[] | null }>(
    `SELECT current_schema() AS schema, (SELECT array_agg(table_name::text ORDER BY table_name)
       FROM information_schema.tables WHERE table_schema = current_schema()) AS tables`,
  );
  const schema = rows[0]?.schema ?? null;
  if (schema === null) {
    throw new WeftError(
      'invalid_argument',
      `database ${label} has no schema on the search path to create Weft's tables in: create the schema first`,
    );
  }
  const tables = rows[0]?.tables ?? [];
  if (tables.length === 0) return new Set();
  if (!tables.includes(MIGRATIONS_TABLE)) {
    const some = `${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ', ...' : ''}`;
    throw new WeftError(
      'store_not_weft',
      `${label} is not a Weft database (schema ${schema} holds ${tables.length} table(s) of its own: ${some}): Weft writes nothing to it; give --postgres an empty database or a Weft database`,
      { details: { database: label, schema, tables: tables.slice(0, 20) } },
    );
  }
  const applied = (
    await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY name`)
  ).rows.map((r) => r.name);
  checkKnownMigrations(applied, migrations, label);
  return new Set(applied);
}

/**
 * Brings the schema up to date. Idempotent.
 * @param label - how to name the database in errors (its URL without the password).
 * @returns the names applied by this call, in order.
 */
export async function applyMigrations(
  pool: pg.Pool,
  label: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    // Per schema: Weft databases in other schemas of the same server migrate independently.
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtext('weft.migrate'), hashtext(current_schema()))`,
    );
    const applied = await checkSchema(client, label, migrations);
    await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      name text COLLATE "C" PRIMARY KEY,
      applied_at text NOT NULL
    )`);
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      for (const sql of m.up) await client.query(sql);
      await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, applied_at) VALUES ($1, $2)`, [
        m.name,
        new Date().toISOString(),
      ]);
      done.push(m.name);
    }
    return done;
  });
}
