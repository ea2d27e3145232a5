// What pruning gives back: runs with a 1 MiB input are added to a workload's database and pruned;
// the file (and its WAL, after a checkpoint) should be back at its size before them. Bytes stored
// per run are W7's.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';

const MiB = 1024 * 1024;

/** Bytes of pages in use, after folding the WAL into the file (what runs added: W7, W9). */
export function storedBytes(path) {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true });
    const free = db.pragma('freelist_count', { simple: true });
    return (pages - free) * db.pragma('page_size', { simple: true });
  } finally {
    db.close();
  }
}

/** The database and its WAL on disk. */
function fileBytes(path) {
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

/**
 * @param engine an engine on the database file `path`
 * @param bigRuns how many runs with a 1 MiB input to add and prune
 */
export async function pruneFigures(engine, { path, bigRuns }) {
  // The checkpoint: what the WAL holds goes into the database file, and the WAL is emptied.
  await engine.store.reclaimSpace();
  const before = fileBytes(path);
  const { id } = await engine.publish({
    id: 'bench-big-input',
    nodes: [{ id: 'a', type: 'bench.step' }],
    edges: [],
  });
  // Random text, as real payloads are: nothing on the way may shrink it by its regularity.
  const input = { blob: randomBytes((MiB * 3) / 4).toString('base64') };
  for (let i = 0; i < bigRuns; i++) {
    const run = await engine.run(id, { input });
    if (run.status !== 'succeeded') throw new Error(`run ${run.id} ended ${run.status}`);
  }
  // "Finished before now": a run that finished within the current millisecond is not yet.
  await new Promise((resolve) => setTimeout(resolve, 2));
  const { deleted, freedBytes } = await engine.pruneRuns({ workflow: id, olderThanMs: 0 });
  if (deleted !== bigRuns) throw new Error(`pruned ${deleted} runs, expected ${bigRuns}`);
  return { runs: bigRuns, freedBytes, fileAfterPrune: fileBytes(path), fileBefore: before };
}
