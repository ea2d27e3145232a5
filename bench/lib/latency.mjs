// W1 and W2: per-run latency, one run at a time, after a warm-up in the same process.
import {
  effects,
  mark,
  modeOf,
  openEngine,
  parseArgs,
  peakRss,
  pragmasOf,
  storeOptions,
  summarize,
} from './common.mjs';
import { floorOf } from './floor.mjs';
import { pruneFigures } from './storage.mjs';

/**
 * @param {{ name: string, definition: object, nodes: number, runs: number, quickRuns: number,
 *   prune?: boolean }} w - `prune`: also measure what pruning big runs gives back (mode `full` only)
 */
export async function latencyWorkload(w) {
  const args = parseArgs();
  const quick = args.quick === true;
  const mode = modeOf(args);
  const runs = Number(args.runs ?? (quick ? w.quickRuns : w.runs));
  // Long enough for the JIT to settle: the figures are of the steady state.
  const warmup = Number(args.warmup ?? (quick ? 300 : 1000));
  const weft = await import('weft');
  const store = await storeOptions(args, mode, w.name);
  const db = store.options.db;
  const engine = await openEngine(weft, store.options);
  try {
    const { id } = await engine.publish(w.definition);
    const once = async () => {
      const before = effects.count;
      const run = await engine.run(id);
      if (run.status !== 'succeeded') {
        throw new Error(`run ${run.id} ended ${run.status}: ${JSON.stringify(run.error ?? null)}`);
      }
      if (effects.count - before !== w.nodes) {
        throw new Error(
          `run ${run.id} executed ${effects.count - before} bench nodes, expected ${w.nodes}`,
        );
      }
      return run;
    };
    for (let i = 0; i < warmup; i++) await once();
    const stats0 = { ...engine.stats };
    const floorBefore = await floorOf(args, mode, 'probe', `${w.name}-floor`);
    const samples = [];
    let last;
    mark('start');
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await once();
      samples.push(performance.now() - t);
    }
    mark('end');
    const stats1 = { ...engine.stats };
    const floorAfter = await floorOf(args, mode, 'probe', `${w.name}-floor`);
    // After the timings: the same database, every run of the workload in it.
    const prune =
      w.prune === true && mode.name === 'full'
        ? await pruneFigures(engine, { path: db, bigRuns: quick ? 3 : 10 })
        : undefined;
    return {
      workload: w.name,
      mode: mode.name,
      modeLabel: mode.label,
      pragmas: pragmasOf(engine),
      runs,
      warmup,
      nodesPerRun: w.nodes,
      latencyMs: summarize(samples),
      commitsPerRun: (stats1.commits - stats0.commits) / runs,
      decisionsPerRun: (stats1.decisions - stats0.decisions) / runs,
      eventsPerRun: (stats1.events - stats0.events) / runs,
      lastOutput: last?.output,
      /** The durable floor measured in this process, right before and right after. */
      floor: { before: floorBefore, after: floorAfter },
      prune,
      peakRss: peakRss(),
    };
  } finally {
    await engine.close();
    await store.done();
  }
}
