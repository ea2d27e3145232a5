/**
 * @module lock
 * One writing process per database file. SQLite itself would let two engines share a file, but
 * each would re-issue the other's in-flight work after its own "crash recovery", so a second engine
 * on the same file must be refused, with a message that says who holds it.
 *
 * The claim is a row in the database rather than an OS file lock: it is visible to anyone who can
 * read the file, survives nothing but its holder (a claim whose process is gone is taken over), and
 * needs no platform-specific locking API.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import { WeftError } from '@weft/core';

/** Who holds a database. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

/**
 * Claims the database for this process.
 *
 * A claim by a live process on this host is refused. A claim by a process that is gone (killed, or
 * exited without closing) is taken over silently. A claim from another host is taken over too: its
 * liveness cannot be checked, and a host that no longer exists (a recreated container) would
 * otherwise lock the file forever; SQLite on a file shared between hosts is unsafe anyway.
 *
 * @param label - how to name the database in errors (its file).
 * @returns a function that releases the claim; it leaves a claim taken over by someone else alone.
 * @throws WeftError `store_locked` when another live process holds the database.
 */
export function acquireProcessLock(db: Database, label: string): () => void {
  const token = randomUUID();
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  const claim = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS weft_process_lock (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      pid INTEGER NOT NULL,
      hostname TEXT NOT NULL,
      started_at TEXT NOT NULL,
      token TEXT NOT NULL
    )`);
    const holder = db
      .prepare('SELECT pid, hostname, started_at AS startedAt FROM weft_process_lock WHERE id = 1')
      .get() as LockHolder | undefined;
    if (holder !== undefined && holdsLock(holder, me)) {
      throw new WeftError(
        'store_locked',
        `database ${label} is in use by process ${holder.pid} (started ${holder.startedAt}); stop it or use another --db`,
        { level: 'operational', details: holder },
      );
    }
    db.prepare(
      `INSERT INTO weft_process_lock (id, pid, hostname, started_at, token) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, hostname = excluded.hostname,
         started_at = excluded.started_at, token = excluded.token`,
    ).run(me.pid, me.hostname, me.startedAt, token);
  });
  // IMMEDIATE: two processes starting together must not both see "free" and both claim it.
  claim.immediate();
  return () => {
    db.prepare('DELETE FROM weft_process_lock WHERE token = ?').run(token);
  };
}

/** Reads the current claim, if any (for diagnostics and tests). */
export function lockHolder(db: Database): LockHolder | undefined {
  const table = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'weft_process_lock'`)
    .get();
  if (table === undefined) return undefined;
  return db
    .prepare('SELECT pid, hostname, started_at AS startedAt FROM weft_process_lock WHERE id = 1')
    .get() as LockHolder | undefined;
}

function holdsLock(holder: LockHolder, me: LockHolder): boolean {
  // Our own pid: a second store in this process (e.g. a library user opening the file twice).
  if (holder.pid === me.pid && holder.hostname === me.hostname) return false;
  if (holder.hostname !== me.hostname) return false;
  return isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
