// W4 parked runs: 10,000 runs that start and park, on a 60 s `wait` (--variant wait) or on a
// `human` node (--variant human), then a bench node. Measures the time to start them all (every
// start committed and the run parked), the memory per parked run (RSS and heap after GC, so run
// with --expose-gc), and the time to resume them all when released (until every bench node after
// the park has started, and until every run has finished).
//
// Release: for `human`, an answer per run through engine.input(). For `wait`, the engine is closed
// and opened again on the same file with its clock (Engine.open's public `clock` option) 61 s
// ahead, as after a restart past the due time: the timers are due at once. (A clock jump alone is
// not seen by an engine that is already open: its timer wheel has armed a real 60 s setTimeout.)
// With --mode postgres the same on a fresh PostgreSQL schema, the engine one worker carrying any
// number of runs (a parked run is in the store alone there too: the worker lets go of it); the
// `wait` release reopens the engine on the same schema.
// Usage: node --expose-gc bench/workloads/w4-parked.mjs --variant wait|human --dir DIR [--quick] [--runs N]
//        [--mode full|postgres]
import {
  effects,
  intArg,
  main,
  memory,
  modeOf,
  openEngine,
  parseArgs,
  peakRss,
  pool,
  pragmasOf,
  settle,
  storeOptions,
} from '../lib/common.mjs';

const WAIT_MS = 60_000;

function parkedDefinition(variant) {
  const park =
    variant === 'wait'
      ? { id: 'park', type: 'wait', with: { duration: WAIT_MS } }
      : { id: 'park', type: 'human', with: { prompt: 'Go on?' } };
  return {
    id: `bench-parked-${variant}`,
    nodes: [park, { id: 'after', type: 'bench.step', with: { prev: '{{ park }}' } }],
    edges: [{ from: 'park', to: 'after' }],
  };
}

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const variant = args.variant === 'human' ? 'human' : 'wait';
  const mode = modeOf({ mode: args.mode ?? 'full' });
  const runs = intArg(args, 'runs', quick ? 2000 : 10000);
  const warmup = intArg(args, 'warmup', quick ? 200 : 1000);
  const concurrency = intArg(args, 'concurrency', 500);
  let skew = 0;
  const clock = { now: () => Date.now() + skew };
  const weft = await import('weft');
  // A worker that is never full: every start is carried here, as on SQLite.
  const store = await storeOptions(args, mode, `W4-${variant}`, {
    concurrency: warmup + runs + concurrency,
  });
  const open = () => openEngine(weft, { ...store.options, clock });
  let engine = await open();
  const countStatus = async (statuses) => (await engine.store.runIdsByStatus(statuses)).length;
  try {
    const { id } = await engine.publish(parkedDefinition(variant));
    let openMs = 0;

    /** Starts `count` runs; resolves with their ids once every start is committed. */
    const startAll = async (count) => {
      const ids = new Array(count);
      await pool(count, concurrency, async (i) => {
        ids[i] = (await engine.start(id)).id;
      });
      return ids;
    };
    /** Releases the parked runs; resolves when every bench node after the park has started. */
    const releaseAll = async (ids) => {
      const target = effects.count + ids.length;
      if (variant === 'human') {
        await pool(ids.length, concurrency, (i) => engine.input(ids[i], 'park', { ok: true }));
      } else {
        await engine.close();
        skew += WAIT_MS + 1000;
        const t = performance.now();
        engine = await open();
        openMs = performance.now() - t;
      }
      await effects.until(target);
    };
    const allFinished = async () => {
      for (;;) {
        const left = await countStatus(['queued', 'running', 'waiting', 'paused']);
        if (left === 0) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // Warm-up: the whole cycle, smaller.
    await releaseAll(await startAll(warmup));
    await allFinished();

    await settle();
    const m0 = memory();
    const stats0 = { ...engine.stats };
    const t0 = performance.now();
    const ids = await startAll(runs);
    const startMs = performance.now() - t0;
    const stats1 = { ...engine.stats };
    const parked = await countStatus(['waiting']);
    if (parked !== runs) throw new Error(`${parked} runs are waiting after ${runs} starts`);
    await settle();
    const m1 = memory();

    const t1 = performance.now();
    await releaseAll(ids);
    const resumeMs = performance.now() - t1;
    await allFinished();
    const finishMs = performance.now() - t1;
    const stats2 = { ...engine.stats };
    const succeeded = await countStatus(['succeeded']);
    const expected = warmup + runs;
    if (succeeded !== expected)
      throw new Error(`${succeeded} runs succeeded, expected ${expected}`);

    return {
      workload: 'W4',
      variant,
      mode: mode.name,
      modeLabel: mode.label,
      pragmas: pragmasOf(engine),
      runs,
      warmup,
      concurrency,
      startMs,
      startsPerSecond: runs / (startMs / 1000),
      commitsToStart: stats1.commits - stats0.commits,
      rssPerParkedRun: (m1.rss - m0.rss) / runs,
      heapPerParkedRun: (m1.heapUsed - m0.heapUsed) / runs,
      memoryBefore: m0,
      memoryParked: m1,
      resumeMs,
      /** wait only: the part of resumeMs spent in Engine.open (timers fire from inside it). */
      reopenMs: variant === 'wait' ? openMs : undefined,
      finishMs,
      // The wait variant's engine was opened again at the release: its stats start there.
      commitsToFinish: variant === 'wait' ? stats2.commits : stats2.commits - stats1.commits,
      peakRss: peakRss(),
    };
  } finally {
    await engine.close();
    await store.done();
  }
});
