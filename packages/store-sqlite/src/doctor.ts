/**
 * @module doctor
 * `weft doctor`'s look at a database file: is it a database, is it Weft's, does SQLite's
 * `PRAGMA integrity_check` pass. The file is opened read-only and never locked, migrated or marked,
 * so checking a damaged or foreign file changes nothing in it.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { WeftError } from '@weft/core';
import { claimIdentity } from './identity.js';

export interface DatabaseCheck {
  ok: boolean;
  /** What is wrong, one entry per problem; empty when ok. */
  problems: string[];
  /**
   * The processes sharing the file whose lease has not lapsed (`weft serve`, `weft worker`...), as
   * `weft doctor --postgres` lists a database's; empty before the file has the cluster's tables.
   * Only for a sound file.
   */
  workers?: { id: string; version: string; where: string; expiresAt: string }[];
}

/** SQLite lists at most this many problems: enough to say what is wrong without flooding. */
const MAX_PROBLEMS = 20;

export function checkDatabaseFile(path: string): DatabaseCheck {
  if (!existsSync(path)) return { ok: false, problems: [`${path} does not exist`] };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.pragma(`integrity_check(${MAX_PROBLEMS})`) as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((p) => p !== 'ok');
    if (problems.length > 0) return { ok: false, problems };
    // Read-only: claimIdentity would mark an unmarked Weft file, which a read-only handle refuses;
    // only its refusal of a foreign file matters here.
    try {
      claimIdentity(db, path);
    } catch (e) {
      if (WeftError.is(e) && e.code === 'store_not_weft')
        return { ok: false, problems: [e.message] };
      if (!(e instanceof Database.SqliteError && e.code.startsWith('SQLITE_READONLY'))) throw e;
    }
    return { ok: true, problems: [], workers: liveWorkers(db) };
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  } finally {
    db?.close();
  }
}

/** The workers whose lease has not lapsed (times are epoch ms of this machine's clock). */
function liveWorkers(db: Database.Database): NonNullable<DatabaseCheck['workers']> {
  const table = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workers'`)
    .get();
  if (table === undefined) return [];
  const rows = db
    .prepare<[number], { id: string; version: string; where_: string; expires_at: number }>(
      'SELECT id, version, where_, expires_at FROM workers WHERE expires_at > ? ORDER BY id',
    )
    .all(Date.now());
  return rows.map((w) => ({
    id: w.id,
    version: w.version,
    where: w.where_,
    expiresAt: new Date(w.expires_at).toISOString(),
  }));
}
