// A worker process of the W3 cluster bench (w3-cluster.mjs starts it): an engine on the PostgreSQL
// schema of --url, one of many workers, carrying the runs that the driver process queued. It talks
// to its parent over the IPC channel:
//   → { ev: 'ready' }                   once it takes part (its lease joined, first claim made)
//   → { ev: 'finished', n }             runs it finished so far, after each commit that finished some
//   ← { cmd: 'snapshot' } → { ev: 'snapshot', ... }   its counters now (see `snapshot()`)
//   ← { cmd: 'stop' }     → { ev: 'stopped', ... }    the same, once its engine is closed; then it exits
// Usage (by w3-cluster.mjs): node bench/workloads/cluster-worker.mjs --url URL --concurrency N
//        [--lease-ms N] [--poll-ms N]
import { effects, intArg, openEngine, parseArgs, peakRss } from '../lib/common.mjs';

const args = parseArgs();
const weft = await import('weft');
const { isTerminalEvent } = weft;

const worker = { concurrency: intArg(args, 'concurrency', 100) };
if (args['lease-ms'] !== undefined) worker.leaseMs = intArg(args, 'lease-ms', 10000);
if (args['poll-ms'] !== undefined) worker.pollMs = intArg(args, 'poll-ms', 1000);

const engine = await openEngine(weft, { postgres: args.url, worker });

// How long this worker waits for its commits (the store's `commit`, one round trip to the
// server's `weft_commit`): beside its CPU time, where a worker's time goes.
const commits = { count: 0, ms: 0 };
const store = engine.store;
const commit = store.commit.bind(store);
store.commit = async (writes) => {
  const t = performance.now();
  try {
    return await commit(writes);
  } finally {
    commits.count++;
    commits.ms += performance.now() - t;
  }
};

let finished = 0;
let failed = 0;
/** When the last run this worker finished was committed, in ms since the epoch (sub-ms). */
let lastFinishAt;
let told = true;
engine.onEvents((events) => {
  for (const e of events) {
    if (!isTerminalEvent(e)) continue;
    finished++;
    if (e.type !== 'run.succeeded') failed++;
    lastFinishAt = performance.timeOrigin + performance.now();
  }
  // One message per commit, however many runs it finished.
  if (told && finished > 0) {
    told = false;
    setImmediate(() => {
      told = true;
      process.send({ ev: 'finished', n: finished });
    });
  }
});

const snapshot = () => ({
  pid: process.pid,
  stats: { ...engine.stats },
  steps: effects.count,
  reexecuted: effects.reexecuted,
  finished,
  failed,
  lastFinishAt,
  storeCommits: { ...commits },
  /** CPU time of this process so far (user + system), ms. */
  cpuMs: (() => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  })(),
});

process.on('message', (m) => {
  if (m?.cmd === 'snapshot') process.send({ ev: 'snapshot', ...snapshot() });
  if (m?.cmd === 'stop') {
    engine.close().then(
      () =>
        process.send({ ev: 'stopped', ...snapshot(), peakRss: peakRss() }, () => process.exit(0)),
      (e) => {
        process.send({ ev: 'error', error: String(e) }, () => process.exit(1));
      },
    );
  }
});
// The parent gone (killed, or failed before it said stop): nothing left to work for.
process.on('disconnect', () => process.exit(1));
process.send({ ev: 'ready', pid: process.pid });
