/**
 * @module connect
 * The connection pool of a store (and the bus's connection of its own): the URL checked and named
 * without its password, the search path set per connection, and one transaction helper for every
 * write that needs one.
 */
import pg from 'pg';
import { WeftError, type Logger } from '@weft/core';

/** `postgres://user:secret@host/db` named as `postgres://user@host/db`: errors and logs are read. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/**
 * @throws WeftError `invalid_argument` for a URL that is not `postgres://` or `postgresql://`.
 */
export function checkUrl(url: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new WeftError(
      'invalid_argument',
      `the PostgreSQL URL must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, not "${redactUrl(url)}"`,
    );
  }
}

/** A schema name as an SQL identifier, quoted so that any name is safe. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export interface PoolOptions {
  url: string;
  /** Tables live in this schema (the connection's search path). @default the server's default */
  schema?: string | undefined;
  /** Connections at most. */
  max: number;
  log: Logger;
  label: string;
}

/** How every connection of a store is made: on the URL, in the schema. */
function connectionConfig(url: string, schema: string | undefined, application: string) {
  return {
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: application,
    ...(schema === undefined ? {} : { options: `-c search_path=${quoteIdent(schema)}` }),
  };
}

export function createPool(o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...connectionConfig(o.url, o.schema, 'weft'), max: o.max });
  // An idle connection the server closes must not take the process down: the next query reconnects.
  pool.on('error', (error) =>
    o.log.warn({ database: o.label, error: error.message }, 'PostgreSQL connection lost'),
  );
  return pool;
}

/** A connection of its own, outside the pool (the bus's LISTEN). Not connected yet. */
export function createClient(
  o: Pick<PoolOptions, 'url' | 'schema'>,
  application = 'weft-bus',
): pg.Client {
  return new pg.Client(connectionConfig(o.url, o.schema, application));
}

/**
 * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it
 * throws (and the error rethrown).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection is gone: the server rolled back, and the pool must not reuse it.
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
