// W8 code: a chain of 5 `code` nodes, each adding 1 to the previous one's output, in the sandbox.
// Per-node overhead, cold (the first run of the process: the sandbox pool starts) and warm (the
// median run, less the same chain of `set` nodes, divided by 5); throughput with 100 runs at once.
// The store is SQLite :memory:, so that the figures are the sandbox's, not the disk's.
// Usage: node bench/workloads/w8-code.mjs --dir DIR [--quick] [--runs N] [--concurrency N]
import { availableParallelism } from 'node:os';
import { intArg, main, parseArgs, peakRss, pool, summarize } from '../lib/common.mjs';

const IDS = ['a', 'b', 'c', 'd', 'e'];

function chain(id, type) {
  return {
    id,
    nodes: IDS.map((n, i) => {
      const input = i === 0 ? 0 : `{{ ${IDS[i - 1]}.n }}`;
      return type === 'code'
        ? { id: n, type, with: { input, source: 'return { n: input + 1 }' } }
        : { id: n, type, with: { values: { n: i === 0 ? 1 : `{{ ${IDS[i - 1]}.n + 1 }}` } } };
    }),
    edges: IDS.slice(1).map((n, i) => ({ from: IDS[i], to: n })),
  };
}

async function latencies(engine, id, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const run = await engine.run(id);
    samples.push(performance.now() - t);
    if (run.status !== 'succeeded' || run.output?.n !== 5)
      throw new Error(`run ${run.id} ended ${run.status} with ${JSON.stringify(run.output)}`);
  }
  return summarize(samples);
}

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const runs = intArg(args, 'runs', quick ? 100 : 300);
  const throughputRuns = intArg(args, 'throughput-runs', quick ? 300 : 1000);
  const concurrency = intArg(args, 'concurrency', 100);
  const { Engine } = await import('weft');
  const engine = await Engine.open({ db: ':memory:' });
  try {
    const code = (await engine.publish(chain('bench-code5', 'code'))).id;
    const plain = (await engine.publish(chain('bench-set5', 'set'))).id;
    await latencies(engine, plain, 20);
    // Cold: the first code run of the process starts the pool (its processes load QuickJS).
    const cold = await latencies(engine, code, 1);
    const coldNext = await latencies(engine, code, 1);
    await latencies(engine, code, 20);
    const warm = await latencies(engine, code, runs);
    const base = await latencies(engine, plain, runs);

    let failed = 0;
    const t = performance.now();
    await pool(throughputRuns, concurrency, async () => {
      const run = await engine.run(code);
      if (run.status !== 'succeeded') failed++;
    });
    const seconds = (performance.now() - t) / 1000;
    if (failed > 0) throw new Error(`${failed} of ${throughputRuns} runs did not succeed`);
    return {
      workload: 'W8',
      workers: Number(process.env.WEFT_CODE_WORKERS) || availableParallelism(),
      runs,
      coldFirstRunMs: cold.median,
      coldSecondRunMs: coldNext.median,
      warm,
      base,
      warmOverheadPerNodeMs: (warm.median - base.median) / 5,
      coldOverheadPerNodeMs: (cold.median - base.median) / 5,
      throughput: {
        runs: throughputRuns,
        concurrency,
        seconds,
        runsPerSecond: throughputRuns / seconds,
        codeNodesPerSecond: (throughputRuns * 5) / seconds,
      },
      peakRss: peakRss(),
    };
  } finally {
    await engine.close();
  }
});
