// W3 throughput: 2,000 runs of chain5 submitted at once, at most 100 running at a time.
// Reports runs/s, steps/s (bench node executions), commits per run and peak RSS.
// Usage: node bench/workloads/w3-throughput.mjs --mode full|normal|memory|postgres --dir DIR [--quick]
//        [--runs N] [--concurrency N]
import {
  chain5,
  effects,
  intArg,
  main,
  mark,
  memory,
  modeOf,
  openEngine,
  parseArgs,
  peakRss,
  pool,
  pragmasOf,
  storeOptions,
} from '../lib/common.mjs';
import { floorOf } from '../lib/floor.mjs';

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const mode = modeOf(args);
  const runs = intArg(args, 'runs', quick ? 500 : 2000);
  const concurrency = intArg(args, 'concurrency', 100);
  const warmup = intArg(args, 'warmup', quick ? 200 : 500);
  const weft = await import('weft');
  // On PostgreSQL the engine is a worker carrying W3's 100 at a time: with fewer, the runs past
  // them would wait `queued` for its next claim.
  const store = await storeOptions(args, mode, 'W3', { concurrency });
  const engine = await openEngine(weft, store.options);
  try {
    const { id } = await engine.publish(chain5());
    let failed = 0;
    const batch = async (count) => {
      await pool(count, concurrency, async () => {
        const run = await engine.run(id);
        if (run.status !== 'succeeded') failed++;
      });
    };
    await batch(warmup);
    const floorBefore = await floorOf(args, mode, 'probe', 'W3-floor');
    const stats0 = { ...engine.stats };
    const count0 = effects.count;
    const t = performance.now();
    mark('start');
    await batch(runs);
    mark('end');
    const seconds = (performance.now() - t) / 1000;
    const stats1 = { ...engine.stats };
    const steps = effects.count - count0;
    const floorAfter = await floorOf(args, mode, 'probe', 'W3-floor');
    if (failed > 0) throw new Error(`${failed} runs did not succeed`);
    if (steps !== runs * 5)
      throw new Error(`${steps} bench node executions for ${runs} runs, expected ${runs * 5}`);
    return {
      workload: 'W3',
      mode: mode.name,
      modeLabel: mode.label,
      pragmas: pragmasOf(engine),
      runs,
      warmup,
      concurrency,
      seconds,
      runsPerSecond: runs / seconds,
      stepsPerSecond: steps / seconds,
      commitsPerRun: (stats1.commits - stats0.commits) / runs,
      decisionsPerCommit: (stats1.decisions - stats0.decisions) / (stats1.commits - stats0.commits),
      eventsPerRun: (stats1.events - stats0.events) / runs,
      /** The durable floor measured in this process, right before and right after. */
      floor: { before: floorBefore, after: floorAfter },
      rssAtEnd: memory().rss,
      peakRss: peakRss(),
    };
  } finally {
    await engine.close();
    await store.done();
  }
});
