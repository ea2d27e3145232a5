/**
 * @module cli/migrate-command
 * `weft migrate [--db PATH | --postgres URL]`: brings the database's schema up to date and exits,
 * so that an operator can upgrade the schema before starting servers on it. `weft serve` migrates
 * at start too; the steps run in one transaction (under an advisory lock on PostgreSQL), so a
 * migrate racing a start is harmless.
 */
import { openPostgresStore } from '@weft/store-postgres';
import { openSqliteStore } from '@weft/store-sqlite';
import { EXIT } from './exit-codes.js';

export type MigrateArgs = { db: string } | { postgres: string };

export async function migrateCommand(a: MigrateArgs): Promise<number> {
  const store =
    'postgres' in a
      ? await openPostgresStore({ url: a.postgres, poolSize: 1 })
      : await openSqliteStore({ path: a.db });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const label = 'postgres' in a ? (store as { label: string }).label : a.db;
  process.stdout.write(`${label}: schema up to date\n`);
  return EXIT.ok;
}
