/**
 * `weft worker` on a real PostgreSQL server, as an operator starts it: it opens the database,
 * says so in one log line and stops cleanly on SIGTERM; given the wrong database (none there, no
 * such database, a newer Weft's, another application's, another secret key's) it stops in one
 * line, exit 1, having written nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL, TestSchemas } from '@weft/store-postgres/testing';
import { Engine } from '../../src/index.js';
import {
  expectExit,
  requireBuild,
  sandbox,
  startWeft,
  weft,
  type CliResult,
  type Sandbox,
} from './harness.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

const KEY = 'k'.repeat(40);
const env = { WEFT_SECRET_KEY: KEY, WEFT_POSTGRES_URL: '' };

const worker = (args: string[], extra: Record<string, string> = {}) =>
  weft(['worker', ...args], { cwd: box.dir, env: { ...env, ...extra }, timeoutMs: 30_000 });

function expectOneLine(r: CliResult, code: number, message: RegExp): void {
  expectExit(r, code);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toContain('hunter2');
}

/** Every row of every table of `schema`, by table: what a refused start must leave as it was. */
async function contents(schema: string): Promise<Record<string, unknown[]>> {
  const tables = await schemas.query<{ name: string }>(
    `SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
    [schema],
  );
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    out[name] = await schemas.query(`SELECT * FROM "${schema}"."${name}" ORDER BY 1`);
  }
  return out;
}

describe('weft worker --postgres', () => {
  it('starts on WEFT_POSTGRES_URL, logs one line saying so, and exits 0 on SIGTERM', async () => {
    const schema = await schemas.create();
    const proc = startWeft(['worker', '--concurrency', '3'], {
      cwd: box.dir,
      env: { WEFT_SECRET_KEY: KEY, WEFT_POSTGRES_URL: schemas.urlFor(schema) },
    });
    try {
      await proc.waitForStderr(/"msg":"worker [^"]+:\d+ on postgres:[^"]+, concurrency 3"/);
      const start = proc.stderr
        .split('\n')
        .filter((l) => l.includes('"msg":"worker '))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(start).toHaveLength(1);
      expect(start[0]).toMatchObject({ level: 'info', concurrency: 3 });
      expect(start[0]?.['worker']).toMatch(/:\d+$/);
      // The worker migrated the empty schema it was given.
      expect(Object.keys(await contents(schema))).toContain('weft_migrations');
    } finally {
      const stopped = await proc.stop('SIGTERM');
      expectExit(stopped, 0);
      expect(stopped.stderr).toMatch(/^SIGTERM: draining \(up to 10000 ms\)$/m);
      expect(stopped.stderr).toMatch(/^stopped; the runs this worker held are carried on/m);
      expect(stopped.stdout).toBe('');
    }
  });

  it('refuses a server that cannot be reached, without the password, exit 1', async () => {
    const r = await worker(['--postgres', 'postgres://weft:hunter2@127.0.0.1:1/weft']);
    expectOneLine(
      r,
      1,
      /^storage_error: cannot use PostgreSQL at postgres:\/\/weft@127\.0\.0\.1:1\/weft: .*ECONNREFUSED/,
    );
  });

  it('refuses a database that does not exist, exit 1', async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.password = 'hunter2';
    url.pathname = '/weft_no_such_database';
    const r = await worker(['--postgres', url.toString()]);
    expectOneLine(r, 1, /^storage_error: cannot use PostgreSQL at .*does not exist \(3D000\)/);
  });

  it('refuses a database a newer Weft wrote, and writes nothing to it, exit 1', async () => {
    const schema = await schemas.create();
    expectExit(await weft(['migrate', '--postgres', schemas.urlFor(schema)], { cwd: box.dir }), 0);
    await schemas.run(
      `INSERT INTO "${schema}".weft_migrations (name, applied_at) VALUES ('9999_from_the_future', '2099-01-01T00:00:00.000Z')`,
    );
    const before = await contents(schema);
    const r = await worker(['--postgres', schemas.urlFor(schema)]);
    expectOneLine(
      r,
      1,
      /^store_too_new: database \S+ was written by a newer version of Weft \(unknown migrations: 9999_from_the_future\); upgrade Weft/,
    );
    expect(await contents(schema)).toStrictEqual(before);
  });

  it('refuses another application’s tables, and writes nothing to them, exit 1', async () => {
    const schema = await schemas.create();
    await schemas.run(
      `CREATE TABLE "${schema}".orders (id int); INSERT INTO "${schema}".orders VALUES (7)`,
    );
    const before = await contents(schema);
    const r = await worker(['--postgres', schemas.urlFor(schema)]);
    expectOneLine(
      r,
      1,
      /^store_not_weft: \S+ is not a Weft database \(schema \S+ holds 1 table\(s\) of its own: orders\)/,
    );
    expect(await contents(schema)).toStrictEqual(before);
  });

  it('refuses a secret key that cannot read the stored credentials, exit 1', async () => {
    const url = schemas.urlFor(await schemas.create());
    const engine = await Engine.open({ postgres: url, secretKey: KEY, autoStart: false });
    try {
      await engine.credentials.put('github', { type: 'bearer', value: 'ghp_canary' });
    } finally {
      await engine.close();
    }
    const other = await worker(['--postgres', url], { WEFT_SECRET_KEY: 'o'.repeat(40) });
    expectOneLine(
      other,
      1,
      /^secret_key_mismatch: the credentials in .+ were encrypted with another key/,
    );
    const none = await weft(['worker', '--postgres', url], { cwd: box.dir, env: {} });
    expectOneLine(none, 1, /^secret_key_missing: /);
  });
});
