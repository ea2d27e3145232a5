// Bytes stored per run: the database file and its WAL after a checkpoint, divided by the runs in
// it, beside the bytes of the data itself (JSON of the input, the node outputs and the run's
// output). Then runs with a 1 MiB input, and what deleting them gives back.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';

const MiB = 1024 * 1024;

/** The database and its WAL on disk. */
export function fileBytes(path) {
  let bytes = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      bytes += statSync(file).size;
    } catch {
      // No WAL: nothing there.
    }
  }
  return bytes;
}

/** JSON bytes of what a run holds: its input, its nodes' outputs and its output. */
export function dataBytes(run) {
  const size = (v) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
  let bytes = size(run.input) + size(run.output);
  for (const node of Object.values(run.nodes ?? {})) bytes += size(node.output);
  return bytes;
}

/**
 * @param engine an engine on the database file `path`, holding `runs` runs like `sample`
 * @param bigRuns how many runs with a 1 MiB input to add
 */
export async function storageFigures(engine, { path, runs, sample, bigRuns }) {
  // The checkpoint: what the WAL holds goes into the database file, and the WAL is emptied.
  await engine.store.reclaimSpace();
  const stored = fileBytes(path);
  const perRun = stored / runs;
  const data = dataBytes(sample);

  const { id } = await engine.publish({
    id: 'bench-big-input',
    nodes: [{ id: 'a', type: 'bench.step' }],
    edges: [],
  });
  // Random text, as real payloads are: nothing on the way may shrink it by its regularity.
  const input = { blob: randomBytes((MiB * 3) / 4).toString('base64') };
  const inputBytes = Buffer.byteLength(JSON.stringify(input));
  for (let i = 0; i < bigRuns; i++) {
    const run = await engine.run(id, { input });
    if (run.status !== 'succeeded') throw new Error(`run ${run.id} ended ${run.status}`);
  }
  await engine.store.reclaimSpace();
  const withBig = fileBytes(path);
  const { deleted, freedBytes } = await engine.pruneRuns({ workflow: id, olderThanMs: 0 });
  if (deleted !== bigRuns) throw new Error(`pruned ${deleted} runs, expected ${bigRuns}`);
  const afterPrune = fileBytes(path);
  return {
    runs,
    storedBytes: stored,
    bytesPerRun: perRun,
    dataBytesPerRun: data,
    bigInput: {
      runs: bigRuns,
      inputBytes,
      bytesPerRun: (withBig - stored) / bigRuns,
      freedBytes,
      fileAfterPrune: afterPrune,
      fileBefore: stored,
    },
  };
}
