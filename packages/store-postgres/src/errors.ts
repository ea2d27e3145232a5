/**
 * @module errors
 * PostgreSQL's faults said as Weft error codes at the store's boundary, so that the API answers
 * 503 (not a bare 500) when the server is gone or its disk is full, and the CLI names the database.
 *
 * - `store_conflict`: a unique key was taken (another writer got there first).
 * - `storage_full`: the server's disk is full (SQLSTATE 53100); the transaction was rolled back.
 * - `storage_error`: the server cannot be reached, refused the login, shut down, or is out of
 *   resources.
 * - `storage_corrupt`: the server reports damaged data (XX001, XX002).
 */
import { WeftError } from '@weft/core';
import { guardMethods } from '@weft/core/store-kit';

interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

/** Node's socket errors: the server is not there (or went away). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

const codeOf = (error: unknown): string => {
  const code = (error as PgLikeError | null)?.code;
  return typeof code === 'string' ? code : '';
};

const messageOf = (error: unknown): string =>
  String((error as PgLikeError | null)?.message ?? error);

/** A connection that ended under the driver carries no code, only this message. */
const isConnectionLoss = (error: unknown): boolean =>
  /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    messageOf(error),
  );

/**
 * A WeftError for a storage fault of PostgreSQL; anything else is returned unchanged.
 * @param label - how to name the database (its URL without the password).
 */
export function storageError(error: unknown, label: string): unknown {
  if (WeftError.is(error)) return error;
  const code = codeOf(error);
  const reason = messageOf(error).split('\n')[0] ?? '';
  const options = { cause: error, details: { postgres_code: code, database: label } };
  if (code === '53100') {
    return new WeftError(
      'storage_full',
      `database ${label} is full: the PostgreSQL server's disk has no room left; free space and retry, nothing stored was lost`,
      options,
    );
  }
  if (code === 'XX001' || code === 'XX002') {
    return new WeftError(
      'storage_corrupt',
      `database ${label} is damaged (${reason}): restore it from a backup`,
      options,
    );
  }
  if (
    NETWORK_CODES.has(code) ||
    code.startsWith('08') || // connection exceptions
    code.startsWith('28') || // authorization: wrong role or password
    code === '3D000' || // no such database
    code.startsWith('53') || // out of resources
    code.startsWith('57P') || // the server shut down or is starting
    isConnectionLoss(error)
  ) {
    return new WeftError(
      'storage_error',
      `cannot use PostgreSQL at ${label}: ${reason}${NETWORK_CODES.has(code) || code === '' ? '' : ` (${code})`}; check that the server runs and the URL is right`,
      options,
    );
  }
  return error;
}

/**
 * Turns a unique-key violation into `store_conflict`: the data was written by someone else first
 * (two engines on one run, or two starts with one idempotency key), so the caller must reload
 * rather than retry blindly. Anything else is returned unchanged.
 */
export function conflictOrSelf(error: unknown): unknown {
  if (codeOf(error) === '23505') {
    return new WeftError(
      'store_conflict',
      `commit rejected, nothing written: ${messageOf(error)}`,
      {
        level: 'unexpected',
        cause: error,
      },
    );
  }
  return error;
}

/** The conflict a commit reports when a seq it writes is already stored. */
export function seqConflict(runIds: readonly string[]): WeftError {
  return new WeftError(
    'store_conflict',
    `commit rejected, nothing written: run ${runIds.join(', ')} already has an event with a seq this commit writes`,
    { level: 'unexpected' },
  );
}

/** The store with every method's faults translated by {@link storageError}. */
export function guardStorage<T extends object>(target: T, label: string): T {
  return guardMethods(target, (e) => storageError(e, label));
}
