// The durable floor: better-sqlite3 commits with Weft's pragmas. Used by the floors process, and
// by W1-W3 right before and right after their measured phase, in the same process and on the same
// folder, so that their ratios do not depend on how the machine's disk behaved minutes earlier.
import Database from 'better-sqlite3';
import { dbPath, removeDb, summarize } from './common.mjs';

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
