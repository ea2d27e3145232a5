import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  silentLogger,
  type BusMessage,
  type Logger,
  type RunEvent,
  type RunRecord,
  type RunWrite,
} from '@weft/core';
import { makeRun, makeWrite } from '@weft/core/testing';
import { applyMigrations } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';
import { TEST_POSTGRES_URL, TestSchemas } from './testing.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of opened.splice(0)) await x.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fresh(
  log: Logger = silentLogger,
): Promise<{ store: PostgresStore; schema: string }> {
  const schema = await schemas.create();
  const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema, poolSize: 4, log });
  opened.push(store);
  await store.migrate();
  return { store, schema };
}

async function rawClient(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: schemas.urlFor(schema) });
  await client.connect();
  opened.push({ close: () => client.end() });
  return client;
}

const event = (seq: number): RunEvent =>
  ({ seq, type: 'node.progress', at: new Date(seq * 1000).toISOString() }) as unknown as RunEvent;

const held = (run: RunRecord, worker: string, token: number, events: RunEvent[] = []): RunWrite =>
  makeWrite(run, { events, claim: { worker, token, release: false } });

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function listen(store: PostgresStore): Promise<BusMessage[]> {
  const heard: BusMessage[] = [];
  await store.cluster.bus.subscribe((m) => heard.push(m));
  return heard;
}

/** The backends listening on the schema's channel. */
async function listeners(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN "' || weft_bus_channel() || '"'`,
  );
  return rows.map((r) => r.pid);
}

describe('PostgreSQL cluster ports', () => {
  for (const ending of ['COMMIT', 'ROLLBACK'] as const) {
    it(`fences a commit that waited on a claim's lock by the token left at ${ending}`, async () => {
      const { store, schema } = await fresh();
      const run = makeRun('r1', { seq: 1 });
      await store.commit([held(run, 'w1', 1, [event(1)])]);
      const other = await rawClient(schema);
      await other.query('BEGIN');
      await other.query(
        `UPDATE runs SET claim_owner = 'w2', claim_token = claim_token + 1 WHERE id = 'r1'`,
      );
      let settled = false;
      const outcome = store
        .commit([held(makeRun('r1', { seq: 2 }), 'w1', 1, [event(2)])])
        .then(
          () => 'committed',
          (error: unknown) => error,
        )
        .finally(() => (settled = true));
      await sleep(200);
      expect(settled).toBe(false);
      await other.query(ending);
      if (ending === 'COMMIT') {
        expect(await outcome).toMatchObject({ code: 'claim_lost' });
        expect((await store.readEvents('r1', 0)).map((e) => e.seq)).toEqual([1]);
      } else {
        expect(await outcome).toBe('committed');
        expect((await store.readEvents('r1', 0)).map((e) => e.seq)).toEqual([1, 2]);
      }
    });
  }

  it('names the holder that a claim waited on made, in acquire', async () => {
    const { store, schema } = await fresh();
    await store.cluster.claims.join('w2', 60_000, { version: 'x', where: 'y' });
    await store.commit([makeWrite(makeRun('r1'))]);
    const other = await rawClient(schema);
    await other.query('BEGIN');
    await other.query(
      `UPDATE runs SET claim_owner = 'w2', claim_token = claim_token + 1 WHERE id = 'r1'`,
    );
    const outcome = store.cluster.claims.acquire('w1', 'r1');
    await sleep(200);
    await other.query('COMMIT');
    expect(await outcome).toEqual({ heldBy: 'w2' });
  });

  it('announces nothing of commits without claims: one process alone pays no NOTIFY', async () => {
    const { store } = await fresh();
    const heard = await listen(store);
    await store.commit([makeWrite(makeRun('plain', { status: 'queued' }))]);
    await store.commit([held(makeRun('claimed'), 'w1', 1)]);
    await until(() => heard.length >= 1, 'the claimed commit');
    await sleep(200);
    expect(heard).toEqual([{ kind: 'runs', runs: [['claimed', 0, true]] }]);
  });

  it('listens again when its connection drops, says so, and wakes its subscribers', async () => {
    const warnings: string[] = [];
    const log: Logger = {
      ...silentLogger,
      warn: (_obj, msg) => warnings.push(msg ?? ''),
      child: () => log,
    };
    const { store, schema } = await fresh(log);
    const heard = await listen(store);
    const admin = await rawClient(schema);
    const [pid] = await listeners(admin);
    expect(pid).toBeDefined();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(() => heard.some((m) => m.kind === 'wake'), 'the wake after reconnecting');
    expect(warnings).toContain('PostgreSQL bus connection lost: listening again');
    const again = await listeners(admin);
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(pid);
    await store.cluster.bus.publish({ kind: 'reply', to: 'w1', id: 'after' });
    await until(() => heard.some((m) => m.kind === 'reply'), 'a message after reconnecting');
  });

  it('ignores payloads that are not bus messages', async () => {
    const { store, schema } = await fresh();
    const heard = await listen(store);
    const raw = await rawClient(schema);
    for (const payload of ['not json', '[1]', '{"kind":"nope"}', '{"kind":"runs"}', 'null']) {
      await raw.query('SELECT pg_notify(weft_bus_channel(), $1)', [payload]);
    }
    await raw.query(`SELECT pg_notify(weft_bus_channel(), '{"kind":"wake"}')`);
    await until(() => heard.length >= 1, 'the wake');
    await sleep(100);
    expect(heard).toEqual([{ kind: 'wake' }]);
  });

  it('closes its listening connection with the store, and when the last subscriber leaves', async () => {
    const { store, schema } = await fresh();
    const admin = await rawClient(schema);
    const stop = await store.cluster.bus.subscribe(() => undefined);
    expect(await listeners(admin)).toHaveLength(1);
    await stop();
    await sleep(100);
    expect(await listeners(admin)).toHaveLength(0);
    await store.cluster.bus.subscribe(() => undefined);
    expect(await listeners(admin)).toHaveLength(1);
    await store.close();
    await sleep(100);
    expect(await listeners(admin)).toHaveLength(0);
  });

  it('brings runs stored before 0003_cluster through held by no one', async () => {
    const schema = await schemas.create();
    const pool = new pg.Pool({ connectionString: schemas.urlFor(schema) });
    opened.push({ close: () => pool.end() });
    await applyMigrations(pool, 'test', MIGRATIONS.slice(0, 2));
    await pool.query(`INSERT INTO runs (id, tenant, workflow_id, version, status, created_at,
      priority, seq) VALUES ('old', 't1', 'wf', 1, 'queued', '2025-01-01T00:00:00.000Z', 0, 0)`);
    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema, poolSize: 2 });
    opened.push(store);
    await store.migrate();
    const { rows } = await pool.query('SELECT claim_owner, claim_token FROM runs');
    expect(rows).toEqual([{ claim_owner: null, claim_token: '0' }]);
    await store.cluster.claims.join('w1', 60_000, { version: 'x', where: 'y' });
    expect(await store.cluster.claims.claim('w1', 10)).toEqual([{ runId: 'old', token: 1 }]);
  });
});
