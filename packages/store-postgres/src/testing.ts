/**
 * @module testing
 * Schemas for tests on a real PostgreSQL server: each test file makes its own, uniquely named, in
 * the database of `WEFT_TEST_POSTGRES_URL`, and drops them at the end, so that test files running
 * in parallel never see each other's tables.
 *
 * @example
 * ```ts
 * const schemas = new TestSchemas();
 * afterAll(() => schemas.dropAll());
 * const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema: await schemas.create() });
 * ```
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from './connect.js';

/** The server tests use: trust auth on the loopback, database `test`. */
export const TEST_POSTGRES_URL =
  process.env['WEFT_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Schemas dropped per statement. */
const DROP_BATCH = 10;

export class TestSchemas {
  readonly url: string;
  readonly #made: string[] = [];
  readonly #tag = `weft_test_${process.pid}_${randomBytes(3).toString('hex')}`;

  constructor(url: string = TEST_POSTGRES_URL) {
    this.url = url;
  }

  /** Creates a new empty schema and returns its name. */
  async create(): Promise<string> {
    const name = `${this.#tag}_${this.#made.length + 1}`;
    await this.#run(`CREATE SCHEMA ${quoteIdent(name)}`);
    this.#made.push(name);
    return name;
  }

  /** `url` with the schema as the connection's search path (as `weft serve --postgres` takes it). */
  urlFor(schema: string): string {
    const u = new URL(this.url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  }

  /** Runs SQL on the test database, outside any store. */
  async run(sql: string): Promise<void> {
    await this.#run(sql);
  }

  /** The rows of a query on the test database, outside any store: to look at what a test wrote. */
  async query<T extends object = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    return (await this.#run(sql, params)).rows as T[];
  }

  /** Drops every schema this instance made, with its tables. */
  async dropAll(): Promise<void> {
    const names = this.#made.splice(0);
    // A few at a time: each table dropped takes a lock, and one statement over a hundred schemas
    // runs out of the server's lock table (max_locks_per_transaction).
    for (let i = 0; i < names.length; i += DROP_BATCH) {
      const batch = names.slice(i, i + DROP_BATCH);
      await this.#run(`DROP SCHEMA ${batch.map(quoteIdent).join(', ')} CASCADE`);
    }
  }

  async #run(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  }
}
