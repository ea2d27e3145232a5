/**
 * @module reclaim
 * Giving the space of deleted rows back to the file system. Weft's files use
 * `auto_vacuum = INCREMENTAL`: deleted pages go to SQLite's free list, and
 * `PRAGMA incremental_vacuum` moves live pages from the end of the file into those holes and cuts
 * the end off. A WAL checkpoint (TRUNCATE) then writes that into the database file and empties the
 * WAL, so both files shrink. With `secure_delete = FAST` (set at open), what deleted rows left on
 * pages still in use is zeroed: nothing of a deleted run stays in the files' bytes.
 *
 * Files made before incremental vacuum are converted once, by a full `VACUUM`, when a process that
 * holds the file migrates it ({@link convertToIncremental}).
 */
import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { Logger } from '@weft/core';

/** Pages moved per step (4 MiB with 4 KiB pages): a few milliseconds of the event loop at most. */
const PAGES_PER_STEP = 1024;

/** `PRAGMA auto_vacuum` values. */
const INCREMENTAL = 2;
const NONE = 0;

const num = (db: Database, pragma: string) => Number(db.pragma(pragma, { simple: true }));

/** Bytes of the database and its WAL on disk (pages, for `:memory:`). */
export function storedBytes(db: Database, path: string): number {
  if (path === ':memory:') return num(db, 'page_count') * num(db, 'page_size');
  return fileSize(path) + fileSize(`${path}-wal`);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Vacuums the free pages away a step at a time, yielding to the event loop between steps, then
 * checkpoints the WAL and empties it. A checkpoint that readers of other connections hold up is
 * left for SQLite's next automatic one rather than waited for: the caller's process must not stall.
 * @returns the bytes the files shrank by.
 */
export async function reclaimSpace(
  db: Database,
  path: string,
  busyTimeoutMs: number,
): Promise<number> {
  const before = storedBytes(db, path);
  if (num(db, 'auto_vacuum') === INCREMENTAL) {
    let free = num(db, 'freelist_count');
    while (free > 0 && db.open) {
      db.pragma(`incremental_vacuum(${PAGES_PER_STEP})`);
      const left = num(db, 'freelist_count');
      // Another connection's commits may take freed pages meanwhile; stop once no step helps.
      if (left >= free) break;
      free = left;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (!db.open) return 0;
  if (path !== ':memory:') {
    db.pragma('busy_timeout = 0');
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
  }
  return Math.max(0, before - storedBytes(db, path));
}

/**
 * Makes a new, empty database vacuum incrementally. Only possible before its first table: call it
 * first thing after opening.
 */
export function enableIncrementalVacuum(db: Database): void {
  if (num(db, 'page_count') === 0) db.pragma('auto_vacuum = INCREMENTAL');
}

/**
 * Converts a file made before incremental vacuum with a full `VACUUM`: once, and only by the
 * process that holds the file. It rewrites the whole file (the time of copying it, and as much free
 * disk): a failure (a full disk) is logged and leaves the file as it was, to be tried again at the
 * next start; deleted runs then free pages for reuse but the file does not shrink.
 */
export function convertToIncremental(db: Database, label: string, log: Logger): void {
  if (num(db, 'auto_vacuum') !== NONE) return;
  const started = performance.now();
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    log.info(
      { database: label, ms: Math.round(performance.now() - started) },
      'database converted to incremental vacuum (a one-time VACUUM): deleted runs now give their disk back',
    );
  } catch (error) {
    log.warn(
      { err: error, database: label },
      'could not convert the database to incremental vacuum (tried again at the next start): deleted runs free space for reuse, the file does not shrink',
    );
  }
}
