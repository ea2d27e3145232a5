/**
 * @module lock
 * Who may write a database file beside whom. An engine that holds the file alone (the default)
 * treats every unfinished run as its own after a crash: a second engine on the same file would
 * re-issue the other's in-flight work, so it must be refused, with a message that says who holds
 * it. Processes that open the file *shared* are workers of one cluster (see `claims.ts`): their
 * runs are fenced by claims, so any number of them may share it, but none beside a process that
 * holds it alone, and no process takes it alone while one shares it.
 *
 * The claim is a row in the database rather than an OS file lock: it is visible to anyone who can
 * read the file, survives nothing but its holder (a claim whose process is gone is taken over), and
 * needs no platform-specific locking API.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { WeftError } from '@weft/core';

/** Who holds a database. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  /**
   * Where the holder serves the database's API (`weft serve`), once it listens: commands on the
   * same file go through it instead of being refused.
   */
  url?: string;
}

/** This process's claim: released on close; the server's URL is added once it listens. */
export interface ProcessLock {
  release(): void;
  /** Records (or with undefined, clears) the URL this process serves the database at. */
  announce(url: string | undefined): void;
  /**
   * No other live process had the file when this one took it: what the processes before left in
   * flight is in flight nowhere now.
   */
  readonly first: boolean;
}

const HOLDER_COLUMNS = 'pid, hostname, started_at AS startedAt, url';

/** The lock's tables; made here, not by a migration: the lock is taken before migrating. */
function createTables(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS weft_process_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    started_at TEXT NOT NULL,
    token TEXT NOT NULL,
    url TEXT
  )`);
  // Files made before the URL was recorded have the table without it.
  if (!hasUrlColumn(db)) db.exec('ALTER TABLE weft_process_lock ADD COLUMN url TEXT');
  db.exec(`CREATE TABLE IF NOT EXISTS weft_process_shares (
    token TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    started_at TEXT NOT NULL
  )`);
}

function inUse(label: string, holder: LockHolder, how: string): WeftError {
  return new WeftError(
    'store_locked',
    `database ${label} is in use by process ${holder.pid} (started ${holder.startedAt})${how}; stop it or use another --db`,
    { level: 'operational', details: holder },
  );
}

/**
 * The live processes that share the file, other than this one. Rows of processes that are gone
 * are deleted on the way.
 */
function liveSharers(db: Database, me: LockHolder): LockHolder[] {
  const rows = db
    .prepare(`SELECT token, pid, hostname, started_at AS startedAt FROM weft_process_shares`)
    .all() as (LockHolder & { token: string })[];
  const live: LockHolder[] = [];
  const drop = db.prepare('DELETE FROM weft_process_shares WHERE token = ?');
  for (const { token, ...holder } of rows) {
    if (holdsLock(holder, me)) live.push(holder);
    else if (holder.pid !== me.pid || holder.hostname !== me.hostname) drop.run(token);
  }
  return live;
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
 * @returns the claim; releasing it leaves a claim taken over by someone else alone.
 * @throws WeftError `store_locked` when another live process holds the database.
 */
export function acquireProcessLock(db: Database, label: string): ProcessLock {
  const token = randomUUID();
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  const claim = db.transaction(() => {
    createTables(db);
    const holder = readHolder(db, HOLDER_COLUMNS);
    if (holder !== undefined && holdsLock(holder, me)) throw inUse(label, holder, '');
    const sharer = liveSharers(db, me)[0];
    if (sharer !== undefined) throw inUse(label, sharer, ', shared with other processes');
    db.prepare(
      `INSERT INTO weft_process_lock (id, pid, hostname, started_at, token, url)
       VALUES (1, ?, ?, ?, ?, NULL)
       ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, hostname = excluded.hostname,
         started_at = excluded.started_at, token = excluded.token, url = NULL`,
    ).run(me.pid, me.hostname, me.startedAt, token);
  });
  // IMMEDIATE: two processes starting together must not both see "free" and both claim it.
  claim.immediate();
  return {
    release: () => {
      db.prepare('DELETE FROM weft_process_lock WHERE token = ?').run(token);
    },
    announce: (url) => {
      db.prepare('UPDATE weft_process_lock SET url = ? WHERE token = ?').run(url ?? null, token);
    },
    first: true,
  };
}

/**
 * Shares the database with the other processes that share it (workers of one cluster). Refused
 * while a live process holds it alone (one that is gone is ignored; see {@link
 * acquireProcessLock}).
 *
 * @returns the share; releasing it leaves the others' alone. It records no URL: a command on the
 *   file opens it shared itself rather than going through a server.
 * @throws WeftError `store_locked` when a live process holds the database alone.
 */
export function acquireSharedLock(db: Database, label: string): ProcessLock {
  const token = randomUUID();
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  const share = db.transaction((): boolean => {
    createTables(db);
    const holder = readHolder(db, HOLDER_COLUMNS);
    if (holder !== undefined && holdsLock(holder, me)) throw inUse(label, holder, ', alone');
    const others = liveSharers(db, me).length;
    db.prepare(
      `INSERT INTO weft_process_shares (token, pid, hostname, started_at) VALUES (?, ?, ?, ?)`,
    ).run(token, me.pid, me.hostname, me.startedAt);
    return others === 0;
  });
  // IMMEDIATE: a process taking the file alone and one sharing it must not both see it free.
  const first = share.immediate();
  return {
    release: () => {
      db.prepare('DELETE FROM weft_process_shares WHERE token = ?').run(token);
    },
    announce: () => undefined,
    first,
  };
}

/** Reads the current claim, if any (for diagnostics and tests). */
export function lockHolder(db: Database): LockHolder | undefined {
  const table = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'weft_process_lock'`)
    .get();
  if (table === undefined) return undefined;
  return readHolder(
    db,
    hasUrlColumn(db) ? HOLDER_COLUMNS : 'pid, hostname, started_at AS startedAt',
  );
}

/**
 * The live process on this host, other than this one, that holds the database file `path`, read
 * without opening the file for writing; undefined when the file is free, missing or unreadable.
 * The CLI asks this to go through a `weft serve` that holds the file (its `url`).
 */
export function liveLockHolder(path: string): LockHolder | undefined {
  if (path === ':memory:' || !existsSync(path)) return undefined;
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const holder = lockHolder(db);
    const me = { pid: process.pid, hostname: hostname(), startedAt: '' };
    return holder !== undefined && holdsLock(holder, me) ? holder : undefined;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

function readHolder(db: Database, columns: string): LockHolder | undefined {
  const row = db.prepare(`SELECT ${columns} FROM weft_process_lock WHERE id = 1`).get() as
    (LockHolder & { url?: string | null }) | undefined;
  if (row === undefined) return undefined;
  const { url, ...holder } = row;
  return url === null || url === undefined ? holder : { ...holder, url };
}

function hasUrlColumn(db: Database): boolean {
  const columns = db.prepare('PRAGMA table_info(weft_process_lock)').all() as { name: string }[];
  return columns.some((c) => c.name === 'url');
}

function holdsLock(holder: LockHolder, me: LockHolder): boolean {
  // Our own pid: a second store in this process (e.g. a library user opening the file twice).
  if (holder.pid === me.pid && holder.hostname === me.hostname) return false;
  if (holder.hostname !== me.hostname) return false;
  return isAlive(holder.pid);
}

/**
 * Whether `where` (`host:pid`, as workers name themselves) names a process of this host that is
 * gone. False for another host's, whose liveness cannot be told from here.
 */
export function goneFromHere(where: string): boolean {
  const at = where.lastIndexOf(':');
  const pid = Number(where.slice(at + 1));
  if (at < 0 || where.slice(0, at) !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) {
    return false;
  }
  return !isAlive(pid);
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
