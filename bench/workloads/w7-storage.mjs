// W7 storage: the bytes a run adds to the database, beside the bytes of the data itself.
//  - chain5: W1's runs (quick: 100, full: 300), after a warm-up, per run. The data: the run as the
//    API shows it (the run object with its nodes) and its events, as JSON text;
//  - 1 MiB input: one chain5 run whose input is a 1 MiB string the nodes do not read. The data: the
//    input's JSON text;
//  - 1 MiB passed through: one run of a `set` node that outputs the 1 MiB input string, which is
//    then the run's output. The data: the input's and the output's JSON text.
// Stored bytes are the pages in use (page count − free pages) × page size after a checkpoint, with
// the engine closed: what the run costs on disk once the WAL is folded in.
// Usage: node bench/workloads/w7-storage.mjs --dir DIR [--quick] [--runs N]
import { chain5, dbPath, intArg, main, modeOf, openEngine, parseArgs } from '../lib/common.mjs';
import { storedBytes } from '../lib/storage.mjs';

const MIB = 1024 * 1024;

/** The JSON text of a run as the API shows it, and of its events. */
async function viewBytes(engine, runId) {
  let bytes = Buffer.byteLength(JSON.stringify(await engine.get(runId)));
  for await (const e of engine.events(runId, { follow: false })) {
    bytes += Buffer.byteLength(JSON.stringify(e));
  }
  return bytes;
}

/** The JSON text of the run's input and, with `output`, of its output. */
async function valueBytes(engine, runId, output) {
  const run = await engine.get(runId);
  const json = (v) => Buffer.byteLength(JSON.stringify(v));
  return json(run.input) + (output ? json(run.output) : 0);
}

/**
 * Runs `count` runs of `definition` on a fresh file; stored bytes per run, and the data per run
 * as `data(engine, runId)` counts it.
 */
async function measure(weft, path, { definition, count, warmup, input, data }) {
  let engine = await openEngine(weft, { db: path, limits: { maxInputBytes: 4 * MIB } });
  const { id } = await engine.publish(definition);
  for (let i = 0; i < warmup; i++) await engine.run(id);
  await engine.close();
  const before = storedBytes(path);
  engine = await openEngine(weft, { db: path, limits: { maxInputBytes: 4 * MIB } });
  const ids = [];
  for (let i = 0; i < count; i++) {
    const run = await engine.run(id, input === undefined ? {} : { input });
    if (run.status !== 'succeeded') throw new Error(`run ${run.id} ended ${run.status}`);
    ids.push(run.id);
  }
  let bytes = 0;
  for (const runId of ids) bytes += await data(engine, runId);
  await engine.close();
  const stored = storedBytes(path) - before;
  return { runs: count, storedPerRun: stored / count, dataPerRun: bytes / count };
}

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const mode = modeOf({ mode: 'full' });
  const runs = intArg(args, 'runs', quick ? 100 : 300);
  const weft = await import('weft');
  const input = { blob: 'x'.repeat(MIB) };
  const chain = await measure(weft, dbPath(args, mode, 'W7-chain5'), {
    definition: chain5(),
    count: runs,
    warmup: 50,
    data: viewBytes,
  });
  const unread = await measure(weft, dbPath(args, mode, 'W7-input'), {
    definition: chain5(),
    count: 1,
    warmup: 10,
    input,
    data: (engine, id) => valueBytes(engine, id, false),
  });
  const passed = await measure(weft, dbPath(args, mode, 'W7-through'), {
    definition: {
      id: 'bench-through',
      nodes: [{ id: 'a', type: 'set', with: { values: { blob: '{{ inputs.blob }}' } } }],
    },
    count: 1,
    warmup: 10,
    input,
    data: (engine, id) => valueBytes(engine, id, true),
  });
  return {
    workload: 'W7',
    mode: mode.name,
    chain5: chain,
    input1MiB: unread,
    passedThrough1MiB: passed,
  };
});
