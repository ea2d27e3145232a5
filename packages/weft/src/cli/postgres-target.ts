/**
 * @module cli/postgres-target
 * Commands on a PostgreSQL database that many workers share (`--postgres URL`, or
 * `WEFT_POSTGRES_URL`). The command's process is never one of the workers:
 * - to read, and to change what is not a run in flight (publish, delete a workflow or finished
 *   runs), its engine takes no part in the cluster (`autoStart: false`);
 * - to move runs (cancel, pause, resume, retry, input, and `weft run`'s start) it joins as a
 *   member that carries nothing (`concurrency: 0`) and, drained from the start, executes no node
 *   and fires no timer. An input for a run a worker holds is forwarded to that worker; a run nobody
 *   holds is taken for the change, and whatever the change makes ready is left, recorded as
 *   running, until the command closes: its lease then ends and the workers take the run at once.
 *
 * The nodes are left to the workers because they have what nodes need (the credentials' key, the
 * allow-lists, the node types), and a command should not live as long as the run it moved.
 */
import { hostname } from 'node:os';
import { Engine } from '@weft/engine';
import type { PostgresTarget } from './store-options.js';
import type { Mode, Target } from './target-kinds.js';

/** How long closing waits for an execution this process began before drained (a timer's, at open). */
const CLOSE_DRAIN_MS = 10_000;

export async function openOnPostgres(p: PostgresTarget, mode: Mode): Promise<Target> {
  const moves = mode === 'run';
  const engine = await Engine.open(
    moves ? { postgres: p.url, worker: { concurrency: 0 } } : { postgres: p.url, autoStart: false },
  );
  if (moves) await engine.drain(0);
  return {
    client: engine.client(),
    engine,
    where: p.where,
    inMemory: false,
    onWorkers: true,
    close: async () => {
      if (moves) await engine.drain(CLOSE_DRAIN_MS);
      await engine.close();
    },
  };
}

/**
 * Says on stderr when a run that needs a worker (queued or running) has none: no process but this
 * one holds a lease on the database, so the run waits until a worker starts.
 */
export async function warnIfNoWorkers(t: Target, runId: string): Promise<void> {
  const claims = t.engine?.store.cluster?.claims;
  if (t.onWorkers !== true || claims === undefined) return;
  const { run } = await t.client.runs.head(runId);
  if (run.status !== 'queued' && run.status !== 'running') return;
  const self = `${hostname()}:${process.pid}`;
  if ((await claims.workers()).some((w) => w.where !== self)) return;
  process.stderr.write(
    `no worker is running on this database: run ${runId} waits until one starts (weft worker${t.where})\n`,
  );
}
