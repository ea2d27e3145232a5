import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  events,
  makeNode,
  makeRun,
  makeWrite,
  reopenCase,
  storeContract,
} from '@weft/core/testing';
import { RUN_CHILD_TABLES } from './lean-writes-migration.js';
import { applyMigrations } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { openPostgresStore } from './postgres-store.js';
import { TEST_POSTGRES_URL, TestSchemas } from './testing.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

const fresh = async () =>
  openPostgresStore({ url: TEST_POSTGRES_URL, schema: await schemas.create(), poolSize: 4 });

storeContract('postgres', fresh);

/** A pool on the schema, to look at the tables as they are. */
const rawPool = (schema: string) =>
  new pg.Pool({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${schema}` });

describe('openPostgresStore', () => {
  reopenCase(async () => {
    const schema = await schemas.create();
    return () => openPostgresStore({ url: TEST_POSTGRES_URL, schema });
  });

  it('takes the schema from the URL’s options as well', async () => {
    const schema = await schemas.create();
    const store = await openPostgresStore({ url: schemas.urlFor(schema) });
    await store.migrate();
    await store.close();
    const pool = rawPool(schema);
    const { rows } = await pool.query('SELECT name FROM weft_migrations');
    await pool.end();
    expect(rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('maps a taken idempotency key to store_conflict, as the SQLite store does', async () => {
    const store = await fresh();
    await store.migrate();
    const run = makeRun('r1', { idempotencyKey: 'k' });
    const write = (id: string) => makeWrite({ ...run, id });
    await store.commit([write('r1')]);
    await expect(store.commit([write('r2')])).rejects.toMatchObject({
      code: 'store_conflict',
      message: expect.stringMatching(/^commit rejected, nothing written: .*runs_idempotency/),
    });
    await store.close();
  });
});

describe('a run deleted', () => {
  // Its rows are not tied to the run by foreign keys (migration 0009): every table must be emptied
  // by the deletion itself, or a later run of the same id would find them.
  it('by deleteRun or pruneRuns leaves no row of it in any table', async () => {
    const schema = await schemas.create();
    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    await store.migrate();
    const finished = (id: string) =>
      makeWrite(makeRun(id, { status: 'succeeded', seq: 2, output: { big: 'x'.repeat(10) } }), {
        nodes: [makeNode(id, 'a', { status: 'succeeded', output: { n: 1 } })],
        events: events(1, 2),
        addTimers: [{ id: `timer-${id}`, runId: id, dueAt: 1000, kind: 'wait' }],
      });
    await store.commit([finished('deleted'), finished('pruned'), finished('kept')]);
    const pool = rawPool(schema);
    const rowsOf = async (id: string) => {
      const counts: Record<string, number> = {};
      for (const table of RUN_CHILD_TABLES) {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM ${table} WHERE run_id = $1`,
          [id],
        );
        counts[table] = (rows[0] as { n: number }).n;
      }
      return counts;
    };
    const none = Object.fromEntries(RUN_CHILD_TABLES.map((t) => [t, 0]));
    expect(await rowsOf('kept')).not.toEqual(none);
    expect(await store.deleteRun('t1', 'deleted')).toBe(true);
    expect(await store.pruneRuns({ keepLatest: 0, spare: (id) => id === 'kept' })).toBe(1);
    expect(await rowsOf('deleted')).toEqual(none);
    expect(await rowsOf('pruned')).toEqual(none);
    expect((await rowsOf('kept'))['run_nodes']).toBe(1);
    // A new run of a deleted run's id starts with nothing of the old one.
    await store.commit([makeWrite(makeRun('deleted'))]);
    expect((await store.loadRun('deleted'))?.nodes).toEqual([]);
    expect(await store.readEvents('deleted', 0)).toEqual([]);
    await pool.end();
    await store.close();
  });
});

describe('migrations', () => {
  it('are uniquely named, recorded, and applied once by two stores starting together', async () => {
    const names = MIGRATIONS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    const schema = await schemas.create();
    const a = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    const b = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
    await Promise.all([a.close(), b.close()]);
    const pool = rawPool(schema);
    const { rows } = await pool.query('SELECT name FROM weft_migrations ORDER BY name');
    await pool.end();
    expect(rows.map((r: { name: string }) => r.name)).toEqual(names);
  });

  it('refuses a schema written by a newer Weft, at open and at migrate', async () => {
    const schema = await schemas.create();
    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    await store.migrate();
    await schemas.run(
      `INSERT INTO "${schema}".weft_migrations (name, applied_at) VALUES ('9999_future', 'x')`,
    );
    const expected = {
      code: 'store_too_new',
      message: `database ${new URL(TEST_POSTGRES_URL).toString()} was written by a newer version of Weft (unknown migrations: 9999_future); upgrade Weft to open it`,
    };
    await expect(store.migrate()).rejects.toMatchObject(expected);
    await store.close();
    await expect(openPostgresStore({ url: TEST_POSTGRES_URL, schema })).rejects.toMatchObject(
      expected,
    );
  });

  it('applies nothing when one pending step fails', async () => {
    const schema = await schemas.create();
    const pool = rawPool(schema);
    const steps = [
      { name: '0001_a', up: ['CREATE TABLE a (x int)'] },
      { name: '0002_b', up: ['CREATE TABLE b (x int)', 'CREATE TABLE b (x int)'] },
    ];
    await expect(applyMigrations(pool, 'test', steps)).rejects.toThrow(/already exists/);
    const { rows } = await pool.query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    await pool.end();
    expect(rows).toEqual([]);
  });
});
