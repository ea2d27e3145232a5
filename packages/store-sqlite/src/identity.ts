/**
 * @module identity
 * Whose database a file is. `--db` given another application's SQLite file by mistake must not get
 * Weft's tables added next to that application's: such a file is refused before anything is
 * written to it (not even the WAL switch, which rewrites the header).
 *
 * Weft marks its files with `PRAGMA application_id` ({@link WEFT_APPLICATION_ID}). Files made
 * before the mark are recognised by Weft's own tables and get the mark added.
 */
import type { Database } from 'better-sqlite3';
import { WeftError } from '@weft/core';

/** "Weft" in ASCII: the file header's application id of a Weft database. */
export const WEFT_APPLICATION_ID = 0x57656674;

/** Tables only Weft makes: the migrations record, and the process lock taken before migrating. */
const WEFT_TABLES = ['schema_migrations', 'weft_process_lock'];

/**
 * Refuses a file that is not Weft's, and marks an unmarked Weft file (or an empty one) as Weft's.
 * @param label - how to name the database in errors (its file).
 * @throws WeftError `store_not_weft` for a non-empty database that is neither marked nor has
 *   Weft's tables, or that is marked by another application.
 */
export function claimIdentity(db: Database, label: string): void {
  const id = Number(db.pragma('application_id', { simple: true }));
  if (id === WEFT_APPLICATION_ID) return;
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .pluck()
    .all() as string[];
  const ours = tables.some((t) => WEFT_TABLES.includes(t));
  if (id !== 0 || (tables.length > 0 && !ours)) {
    const what =
      id !== 0
        ? `its application id is ${id}`
        : `it holds ${tables.length} table(s) of its own (${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ', ...' : ''})`;
    throw new WeftError(
      'store_not_weft',
      `${label} is not a Weft database (${what}): Weft writes nothing to it; give --db a new file or a Weft database`,
      { details: { database: label, application_id: id, tables: tables.slice(0, 20) } },
    );
  }
  db.pragma(`application_id = ${WEFT_APPLICATION_ID}`);
}
