/**
 * A worker process for the cluster crash tests: an engine on the PostgreSQL database of
 * WEFT_CLUSTER_PG, or on the SQLite file WEFT_CLUSTER_DB opened shared, one of many workers
 * (WEFT_CLUSTER_LEASE_MS, WEFT_CLUSTER_CONCURRENCY). It prints
 * `{ ev: 'ready' }` once it takes part, and each warning the engine logs as `{ ev: 'warn', msg }`
 * (a worker that lost its claim says so there). SIGTERM drains and ends it with exit 0.
 * It runs the built packages: `npx tsc -b` must have run (`npm test` does).
 */
import { Engine } from 'weft';

const say = (ev, data = {}) =>
  process.stdout.write(`${JSON.stringify({ t: Date.now(), ev, ...data })}\n`);
const quiet = () => undefined;
const log = {
  debug: quiet,
  info: quiet,
  warn: (_o, msg) => say('warn', { msg: String(msg) }),
  error: (o, msg) => say('error', { msg: String(msg), err: String(o?.err?.message ?? '') }),
  child: () => log,
};

const db = process.env.WEFT_CLUSTER_DB;
const engine = await Engine.open({
  ...(db === undefined ? { postgres: process.env.WEFT_CLUSTER_PG } : { db, shared: true }),
  worker: {
    concurrency: Number(process.env.WEFT_CLUSTER_CONCURRENCY ?? 16),
    leaseMs: Number(process.env.WEFT_CLUSTER_LEASE_MS ?? 1500),
    pollMs: 200,
  },
  // The faults the test makes would otherwise fail nodes they hit often as `process_crashed`.
  maxNodeCrashes: Number(process.env.WEFT_CLUSTER_NODE_CRASHES ?? 3),
  log,
});
say('ready', { pid: process.pid });
process.on('SIGTERM', () => {
  engine
    .drain(2000)
    .then(() => engine.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
