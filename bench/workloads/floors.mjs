// The floors: what this machine can do at best, measured in the same bench run as the workloads.
//  - durable floor: better-sqlite3 commits with Weft's pragmas (WAL, the mode's synchronous level),
//    one row per commit and 100 rows per commit, for each storage mode;
//  - in-memory floor: plain async JavaScript calling the bench node's function in the shapes of W1
//    and W2, with awaits, and no engine.
// Usage: node bench/workloads/floors.mjs --dir DIR [--quick]
import Database from 'better-sqlite3';
import {
  MODES,
  chain5Plain,
  dag20Plain,
  dbPath,
  main,
  parseArgs,
  plainContexts,
  removeDb,
  summarize,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick === true;

/** A row like one of Weft's small rows: an id, a key and a little JSON. */
const ROW = JSON.stringify({ status: 'succeeded', output: { n: 1, from: 'a' }, attempts: 1 });

function sqliteFloor(modeName) {
  const mode = { name: modeName, ...MODES[modeName] };
  const path = dbPath(args, mode, 'floor');
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
    const one = measure(1, quick ? (slow ? 300 : 2000) : slow ? 1000 : 10000);
    const hundred = measure(100, quick ? (slow ? 100 : 300) : slow ? 300 : 1000);
    return {
      mode: modeName,
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

async function plainFloor(fn, ids, iterations) {
  const ctxs = plainContexts(ids);
  for (let i = 0; i < iterations / 4; i++) await fn(ctxs); // warm-up
  // Batches, so that the timer's resolution does not count; per-run time is batch / size.
  const batch = 100;
  const samples = [];
  for (let i = 0; i < iterations / batch; i++) {
    const t = performance.now();
    for (let j = 0; j < batch; j++) await fn(ctxs);
    samples.push((performance.now() - t) / batch);
  }
  const s = summarize(samples);
  return { perRunMs: s.median, samples: s };
}

main(async () => {
  const sqlite = {};
  for (const m of Object.keys(MODES)) sqlite[m] = sqliteFloor(m);
  const chainIds = ['a', 'b', 'c', 'd', 'e'];
  const dagIds = ['s', ...Array.from({ length: 18 }, (_, i) => `p${i + 1}`), 'j'];
  const n = quick ? 20000 : 100000;
  return {
    workload: 'floors',
    sqlite,
    plain: {
      chain5: await plainFloor(chain5Plain, chainIds, n),
      dag20: await plainFloor(dag20Plain, dagIds, n / 4),
    },
  };
});
