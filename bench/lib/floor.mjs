// The durable floor: better-sqlite3 commits with Weft's pragmas. Used by the floors process, and
// by W1-W3 right before and right after their measured phase, in the same process and on the same
// folder, so that their ratios do not depend on how the machine's disk behaved minutes earlier.
import Database from 'better-sqlite3';
import { dbPath, postgresSchema, removeDb, summarize } from './common.mjs';

/** A row like one of Weft's small rows: an id, a key and a little JSON. */
const ROW = JSON.stringify({ status: 'succeeded', output: { n: 1, from: 'a' }, attempts: 1 });

/**
 * Median commit times with one row per commit and 100 rows per commit.
 * @param mode one of MODES, with its name
 * @param size 'full' (the floors process), 'quick' (floors with --quick) or 'probe' (in a workload)
 */
export function sqliteFloor(args, mode, size = 'full', label = 'floor') {
  const path = dbPath(args, mode, label);
  const db = new Database(path);
  try {
    // The same pragmas as @weft/store-sqlite sets.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${mode.synchronous}`);
    db.pragma('foreign_keys = ON');
    const pragmas = {
      journal_mode: String(db.pragma('journal_mode', { simple: true })),
      synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][
        Number(db.pragma('synchronous', { simple: true }))
      ],
    };
    db.exec(
      'CREATE TABLE rows (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO rows (run_id, path, data) VALUES (?, ?, ?)');
    let seq = 0;
    const commit = db.transaction((rows) => {
      for (let i = 0; i < rows; i++) insert.run(`run-${seq}`, `n${seq++}`, ROW);
    });
    const measure = (rows, commits) => {
      for (let i = 0; i < Math.max(20, commits / 10); i++) commit(rows); // warm-up
      const samples = [];
      for (let i = 0; i < commits; i++) {
        const t = performance.now();
        commit(rows);
        samples.push(performance.now() - t);
      }
      return summarize(samples);
    };
    const slow = mode.file && mode.synchronous === 'FULL';
    const counts = {
      full: slow ? [1000, 300] : [10000, 1000],
      quick: slow ? [300, 100] : [2000, 300],
      probe: slow ? [200, 50] : [2000, 200],
    }[size];
    const one = measure(1, counts[0]);
    const hundred = measure(100, counts[1]);
    return {
      mode: mode.name,
      pragmas,
      commit1Ms: one.median,
      commit1: one,
      commit100Ms: hundred.median,
      commit100: hundred,
      /** Per row when 100 rows share a commit. */
      row100Ms: hundred.median / 100,
    };
  } finally {
    db.close();
    if (path !== ':memory:') removeDb(path);
  }
}

/**
 * The floor of the mode: {@link sqliteFloor}, or {@link postgresFloor} for the PostgreSQL mode.
 */
export async function floorOf(args, mode, size = 'full', label = 'floor') {
  return mode.postgres === true ? postgresFloor(size, label) : sqliteFloor(args, mode, size, label);
}

/** Clients of the concurrent PostgreSQL floor: more than the cluster bench runs workers. */
export const POSTGRES_CLIENTS = 16;

/**
 * Median commit times on the bench's PostgreSQL server (synchronous_commit as the server has it):
 * one row per commit is a lone INSERT (one round trip, one WAL flush), 100 rows per commit one
 * multi-row INSERT between BEGIN and COMMIT, as the store writes them. Then the server's commit
 * rate: commits per second of one client doing lone INSERTs back to back, and of
 * {@link POSTGRES_CLIENTS} clients doing so at once (concurrent commits share WAL flushes, so this
 * is the most commits per second the server gives, whoever makes them).
 */
export async function postgresFloor(size = 'full', label = 'floor') {
  const { default: pg } = await import('pg');
  const schema = await postgresSchema(`${label}-pg`);
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  try {
    const setting = (await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    await client.query(
      'CREATE TABLE rows (id bigserial PRIMARY KEY, run_id text NOT NULL, path text NOT NULL, data text NOT NULL)',
    );
    let seq = 0;
    const insert1 = {
      name: 'floor1',
      text: 'INSERT INTO rows (run_id, path, data) VALUES ($1, $2, $3)',
    };
    const insertMany = {
      name: 'floor100',
      text: `INSERT INTO rows (run_id, path, data)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    };
    const commit = async (rows) => {
      if (rows === 1) {
        await client.query({ ...insert1, values: [`run-${seq}`, `n${seq++}`, ROW] });
        return;
      }
      const runIds = [];
      const paths = [];
      for (let i = 0; i < rows; i++) {
        runIds.push(`run-${seq}`);
        paths.push(`n${seq++}`);
      }
      await client.query('BEGIN');
      await client.query({ ...insertMany, values: [runIds, paths, runIds.map(() => ROW)] });
      await client.query('COMMIT');
    };
    const measure = async (rows, commits) => {
      for (let i = 0; i < Math.max(20, commits / 10); i++) await commit(rows); // warm-up
      const samples = [];
      for (let i = 0; i < commits; i++) {
        const t = performance.now();
        await commit(rows);
        samples.push(performance.now() - t);
      }
      return summarize(samples);
    };
    const counts = { full: [1000, 300, 300], quick: [300, 100, 100], probe: [200, 50, 60] }[size];
    const one = await measure(1, counts[0]);
    const hundred = await measure(100, counts[1]);
    const rate1 = await commitRate(pg, schema.url, 1, counts[2] * 4);
    const rate16 = await commitRate(pg, schema.url, POSTGRES_CLIENTS, counts[2]);
    return {
      mode: 'postgres',
      settings: { synchronous_commit: setting },
      commit1Ms: one.median,
      commit1: one,
      commit100Ms: hundred.median,
      commit100: hundred,
      row100Ms: hundred.median / 100,
      commitsPerSecond1: rate1.commitsPerSecond,
      commitsPerSecond16: rate16.commitsPerSecond,
      rate1,
      rate16,
    };
  } finally {
    await client.end();
    await schema.drop();
  }
}

/**
 * Commits per second of `clients` connections each making `perClient` one-row commits (lone
 * INSERTs into the floor's table) back to back, all at once: from the first to the last commit.
 */
async function commitRate(pg, url, clients, perClient) {
  const connections = [];
  try {
    for (let c = 0; c < clients; c++) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      connections.push(client);
    }
    const insert = {
      name: 'rate1',
      text: 'INSERT INTO rows (run_id, path, data) VALUES ($1, $2, $3)',
    };
    const loop = async (client, c, count) => {
      for (let i = 0; i < count; i++) {
        await client.query({ ...insert, values: [`rate-${c}`, `n${i}`, ROW] });
      }
    };
    await Promise.all(connections.map((client, c) => loop(client, c, 10))); // warm-up
    const t = performance.now();
    await Promise.all(connections.map((client, c) => loop(client, c, perClient)));
    const seconds = (performance.now() - t) / 1000;
    const commits = clients * perClient;
    return { clients, commits, seconds, commitsPerSecond: commits / seconds };
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}
