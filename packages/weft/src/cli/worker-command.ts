/**
 * @module cli/worker-command
 * `weft worker (--postgres URL | --db PATH) [--concurrency N]`: a worker only, one of many on one
 * PostgreSQL database (`WEFT_POSTGRES_URL` when `--postgres` is not given), or on one SQLite file
 * shared by the processes of this machine. It carries runs under leases and
 * fires the workflows' cron schedules (each due time once, whichever process claims it), with no
 * HTTP server; `weft serve` on the same database takes the API. Run and node state changes are
 * logged as `weft serve` logs them, and traced as it traces them.
 *
 * SIGTERM or SIGINT drains, within `WEFT_DRAIN_MS` (default 10 s): the scheduler stops, the worker
 * takes no new work and the nodes running at the signal may finish; then the engine closes (what
 * still runs is aborted; its runs go to the other workers), exit 0. A second signal exits at once.
 */
import { hostname } from 'node:os';
import { Engine, startScheduler } from '@weft/engine';
import { jsonLogger, logLevelFrom, Telemetry } from '@weft/server';
import { PostgresStore } from '@weft/store-postgres';
import { EXIT } from './exit-codes.js';
import { drainMsFrom, untilStopSignal } from './shutdown.js';

export type WorkerArgs = (
  | {
      /** A PostgreSQL URL, already checked (see `postgresFrom`). */
      postgres: string;
    }
  | {
      /** A SQLite file, opened shared. */
      db: string;
    }
) & {
  /** Runs carried at once, at most (see `concurrencyFrom`). */
  concurrency: number;
};

export async function workerCommand(a: WorkerArgs): Promise<number> {
  const { concurrency } = a;
  const env = process.env;
  const drainMs = drainMsFrom(env['WEFT_DRAIN_MS']);
  const where = `${hostname()}:${process.pid}`;
  // Every line names its worker: the logs of many workers are read together.
  const log = jsonLogger({ level: logLevelFrom(env['WEFT_LOG_LEVEL']) }).child({ worker: where });
  const store = 'postgres' in a ? { postgres: a.postgres } : { db: a.db, shared: true };
  const engine = await Engine.open({ ...store, log, worker: { concurrency } });
  const telemetry = new Telemetry({ engine, log, processMetrics: false });
  const scheduler = startScheduler(engine);
  const database =
    engine.store instanceof PostgresStore
      ? engine.store.label
      : 'postgres' in a
        ? 'PostgreSQL'
        : a.db;
  log.info({ database, concurrency }, `worker ${where} on ${database}, concurrency ${concurrency}`);
  if (env['WEFT_SECRET_KEY'] === undefined) {
    log.warn(
      {},
      'WEFT_SECRET_KEY is not set: nodes on this worker cannot use credentials stored under a key; give every worker and server the same WEFT_SECRET_KEY',
    );
  }

  await untilStopSignal(drainMs);
  await scheduler.stop();
  const finished = await engine.drain(drainMs);
  if (!finished) {
    process.stderr.write(
      `nodes still running after ${drainMs} ms are stopped; their runs are carried on by the other workers\n`,
    );
  }
  await engine.close();
  telemetry.stop();
  process.stderr.write(
    'stopped; the runs this worker held are carried on by the other workers (or the next to start)\n',
  );
  return EXIT.ok;
}
