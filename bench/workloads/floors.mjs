// The floors: what this machine can do at best, measured in the same bench run as the workloads.
//  - durable floor: better-sqlite3 commits with Weft's pragmas (WAL, the mode's synchronous level),
//    one row per commit and 100 rows per commit, for each storage mode;
//  - in-memory floor: plain async JavaScript calling the bench node's function in the shapes of W1
//    and W2, with awaits, and no engine.
//  - with --postgres, the same commits on the bench's PostgreSQL server (see postgresFloor).
// Usage: node bench/workloads/floors.mjs --dir DIR [--quick] [--postgres]
import {
  MODES,
  chain5Plain,
  dag20Plain,
  main,
  parseArgs,
  plainContexts,
  summarize,
} from '../lib/common.mjs';
import { postgresFloor, sqliteFloor } from '../lib/floor.mjs';

const args = parseArgs();
const quick = args.quick === true;

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
  for (const m of Object.keys(MODES)) {
    sqlite[m] = sqliteFloor(args, { name: m, ...MODES[m] }, quick ? 'quick' : 'full');
  }
  const chainIds = ['a', 'b', 'c', 'd', 'e'];
  const dagIds = ['s', ...Array.from({ length: 18 }, (_, i) => `p${i + 1}`), 'j'];
  const n = quick ? 20000 : 100000;
  const postgres =
    args.postgres === true ? await postgresFloor(quick ? 'quick' : 'full') : undefined;
  return {
    workload: 'floors',
    sqlite,
    postgres,
    plain: {
      chain5: await plainFloor(chain5Plain, chainIds, n),
      dag20: await plainFloor(dag20Plain, dagIds, n / 4),
    },
  };
});
