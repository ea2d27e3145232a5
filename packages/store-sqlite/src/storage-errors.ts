/**
 * @module storage-errors
 * What the file system and the database file do wrong, said as Weft error codes at the store's
 * boundary. Without this a full disk, a read-only mount or a damaged file reach the API as a bare
 * `SqliteError` (a generic 500 `internal`) and the CLI as a driver stack trace that does not name
 * the file.
 *
 * - `storage_full`: SQLITE_FULL (the disk, or the file's size cap, has no room). SQLite rolled the
 *   transaction back, so nothing acknowledged is lost, and the next write works once space returns.
 * - `storage_error`: I/O errors, a read-only file or directory, a file that cannot be opened.
 * - `storage_corrupt`: SQLITE_CORRUPT and SQLITE_NOTADB: only a restore from a backup helps.
 */
import { WeftError } from '@weft/core';
import { guardMethods } from '@weft/core/store-kit';
import Database from 'better-sqlite3';

const ERROR_CODES = new Set(['storage_full', 'storage_error', 'storage_corrupt']);

/** True for the codes {@link storageError} makes (a storage fault, not a bug or a request). */
export const isStorageFault = (e: unknown): boolean => WeftError.is(e) && ERROR_CODES.has(e.code);

/** The advice a damaged file gets, wherever it is found (opening it, or any later statement). */
export function corruptMessage(label: string, reason: string): string {
  return `database ${label} is damaged (${reason}): restore it from a backup; \`weft doctor --db ${label}\` checks it`;
}

/**
 * A WeftError for a storage fault of SQLite; anything else is returned unchanged.
 * @param label - how to name the database (its file).
 */
export function storageError(error: unknown, label: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED...) share their primary's prefix.
  const code = error.code;
  const options = { cause: error, details: { sqlite_code: code, database: label } };
  if (code === 'SQLITE_FULL') {
    return new WeftError(
      'storage_full',
      `database ${label} is full: the disk (or the database's size limit) has no room left; free space and retry, nothing stored was lost`,
      options,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new WeftError('storage_corrupt', corruptMessage(label, error.message), options);
  }
  if (
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_NOLFS'
  ) {
    return new WeftError(
      'storage_error',
      `database ${label} cannot be written or read (${error.message}, ${code}): check the disk, the file's permissions and that it is still there`,
      options,
    );
  }
  return error;
}

/** The store with every method's faults translated by {@link storageError}. */
export function guardStorage<T extends object>(target: T, label: string): T {
  return guardMethods(target, (e) => storageError(e, label));
}
