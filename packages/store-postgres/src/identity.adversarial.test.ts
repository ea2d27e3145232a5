/**
 * What `openPostgresStore` is given by mistake: a URL of another database kind, a server that is
 * not there, a database that does not exist, another application's schema. Each is one line that
 * names the database without its password, and nothing is written.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from './postgres-store.js';
import { TEST_POSTGRES_URL, TestSchemas } from './testing.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

const rawPool = (schema: string) =>
  new pg.Pool({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${schema}` });

describe('openPostgresStore, given the wrong database', () => {
  it('refuses a URL that is not PostgreSQL’s, naming it without its password', async () => {
    await expect(openPostgresStore({ url: 'mysql://u:secret@h/db' })).rejects.toMatchObject({
      code: 'invalid_argument',
      message:
        'the PostgreSQL URL must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, not "mysql://u@h/db"',
    });
  });

  it('says in one line that a server cannot be reached, without the password', async () => {
    const error = (await openPostgresStore({
      url: 'postgres://weft:hunter2@127.0.0.1:1/test',
    }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(error).toMatchObject({ code: 'storage_error' });
    expect(error.message).toMatch(
      /^cannot use PostgreSQL at postgres:\/\/weft@127\.0\.0\.1:1\/test: .*ECONNREFUSED.*; check that the server runs and the URL is right$/,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('says that a database does not exist', async () => {
    const url = TEST_POSTGRES_URL.replace(/\/[^/]*$/, '/weft_no_such_database');
    await expect(openPostgresStore({ url })).rejects.toMatchObject({
      code: 'storage_error',
      message: expect.stringMatching(/does not exist \(3D000\)/),
    });
  });

  it('refuses another application’s schema and writes nothing to it', async () => {
    const schema = await schemas.create();
    await schemas.run(
      `CREATE TABLE "${schema}".orders (id int); CREATE TABLE "${schema}".users (id int)`,
    );
    await expect(openPostgresStore({ url: TEST_POSTGRES_URL, schema })).rejects.toMatchObject({
      code: 'store_not_weft',
      message: expect.stringContaining(
        `is not a Weft database (schema ${schema} holds 2 table(s) of its own: orders, users)`,
      ),
    });
    const pool = rawPool(schema);
    const { rows } = await pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [schema],
    );
    await pool.end();
    expect(rows.map((r: { table_name: string }) => r.table_name)).toEqual(['orders', 'users']);
  });
});
