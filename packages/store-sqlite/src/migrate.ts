/**
 * @module migrate
 * Applies {@link MIGRATIONS} to a database: all pending steps in one transaction, so a failure
 * leaves the schema exactly as it was.
 */
import type { Database } from 'better-sqlite3';
import { checkKnownMigrations } from '@weft/core/store-kit';
import { MIGRATIONS, type Migration } from './migrations.js';

/**
 * Brings the schema up to date. Idempotent.
 *
 * @param label - how to name the database in errors (its file).
 * @returns the names applied by this call, in order.
 * @throws WeftError `store_too_new` when the database records migrations this build does not know:
 *   a newer Weft wrote it, and running older code against it could corrupt it.
 */
export function applyMigrations(
  db: Database,
  label: string,
  migrations: readonly Migration[] = MIGRATIONS,
): string[] {
  const run = db.transaction((): string[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name TEXT PRIMARY KEY,
      applied_at TEXT NOT NULL
    )`);
    const rows = db
      .prepare('SELECT name FROM schema_migrations ORDER BY name')
      .pluck()
      .all() as string[];
    checkKnownMigrations(rows, migrations, label);
    const applied = new Set(rows);
    const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      for (const sql of m.up) db.exec(sql);
      record.run(m.name, new Date().toISOString());
      done.push(m.name);
    }
    return done;
  });
  // IMMEDIATE takes the write lock up front: two processes migrating at once queue up instead of
  // both reading "nothing applied" and racing to create the same tables.
  return run.immediate();
}

/**
 * The migrations a database that has some already still lacks; empty for a new database (nothing
 * applied) and for one up to date.
 */
export function missingMigrations(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): string[] {
  const table = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`)
    .get();
  if (table === undefined) return [];
  const applied = new Set(
    db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[],
  );
  if (applied.size === 0) return [];
  return migrations.map((m) => m.name).filter((name) => !applied.has(name));
}
