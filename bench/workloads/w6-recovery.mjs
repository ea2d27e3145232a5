// W6 recovery: 10,000 unfinished runs in the store; time from process start to all of them claimed
// and running again.
//
// Three processes (this one orchestrates, and is the one the driver starts):
//  1. --phase create: opens an engine on a fresh file (synchronous=FULL), starts N runs of
//     `hang -> after`, whose first bench node never finishes, waits until all N are executing,
//     says so on stdout, and is then SIGKILLed by the orchestrator (a crash with work in flight);
//  2. --phase recover: a fresh process opens the engine on that file. Engine.open recovers the
//     unfinished runs; the bench node counts the re-executions (ctx.attempt > 1). The figure is the
//     time from this process's start (performance.timeOrigin) until the N-th re-execution started,
//     also split into module loading and Engine.open.
// There is no warm-up: a recovering process is a cold one by definition.
// With --mode postgres both processes are workers on a fresh PostgreSQL schema, each able to carry
// every run at once. The killed worker's runs are free for another once its lease has lapsed: the
// orchestrator waits that out (the killed worker's lease is short, LEASE_MS) before it starts the
// recovering process, so the figure is the recovery's, not the lease's.
// Usage: node bench/workloads/w6-recovery.mjs --dir DIR [--quick] [--runs N] [--mode full|postgres]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, main, parseArgs, postgresSchema, removeDb } from '../lib/common.mjs';

const args = parseArgs();
const self = fileURLToPath(import.meta.url);
/** The killed worker's lease on PostgreSQL: its runs pass on this long after its last renewal. */
const LEASE_MS = 3000;

/** The engine's store: the SQLite file, or the PostgreSQL schema's URL with a worker that is never full. */
function storeOf(target, runs, leaseMs) {
  if (!target.startsWith('postgres')) return { db: target, synchronous: 'FULL' };
  const worker = { concurrency: runs + 1 };
  if (leaseMs !== undefined) worker.leaseMs = leaseMs;
  return { postgres: target, worker };
}

const hanging = {
  id: 'bench-recovery',
  nodes: [
    { id: 'hang', type: 'bench.step', with: { hang: true } },
    { id: 'after', type: 'bench.step', with: { prev: '{{ hang.n }}' } },
  ],
  edges: [{ from: 'hang', to: 'after' }],
};

async function create(db, runs) {
  const { effects, openEngine, pool } = await import('../lib/common.mjs');
  const engine = await openEngine(await import('weft'), storeOf(db, runs, LEASE_MS));
  const { id } = await engine.publish(hanging);
  const t = performance.now();
  await pool(runs, 500, () => engine.start(id));
  await effects.until(runs);
  const stats = engine.stats;
  process.stdout.write(
    `${JSON.stringify({ ready: true, createMs: performance.now() - t, commits: stats.commits, executing: effects.count })}\n`,
  );
  setInterval(() => undefined, 60_000); // in flight until killed
}

async function recover(db, runs) {
  const t0 = performance.now(); // ms since this process started
  const common = await import('../lib/common.mjs');
  const weft = await import('weft');
  const t1 = performance.now();
  const running = common.effects.until(runs);
  const engine = await common.openEngine(weft, storeOf(db, runs));
  const t2 = performance.now();
  await running;
  const t3 = performance.now();
  const result = {
    sinceProcessStartMs: t3,
    bootMs: t0,
    importMs: t1 - t0,
    openMs: t2 - t1,
    afterOpenMs: t3 - t2,
    started: common.effects.count,
    reexecuted: common.effects.reexecuted,
    commits: engine.stats.commits,
    peakRss: common.peakRss(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await engine.close();
}

/** Spawns this file in a phase; resolves with the first JSON line it prints, and the child. */
function phase(name, db, runs, timeoutMs) {
  const child = spawn(
    process.execPath,
    [self, '--phase', name, '--db', db, '--runs', String(runs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const spawnedAt = performance.now();
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`phase ${name} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve({
          child,
          data: JSON.parse(out.slice(0, nl)),
          wallMs: performance.now() - spawnedAt,
        });
      } catch (e) {
        reject(e);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`phase ${name} exited (${code ?? signal}) before reporting`));
    });
  });
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function orchestrate() {
  const quick = args.quick === true;
  const runs = intArg(args, 'runs', quick ? 2000 : 10000);
  const onPostgres = args.mode === 'postgres';
  if (!onPostgres && typeof args.dir !== 'string') throw new Error('--dir is required');
  const schema = onPostgres ? await postgresSchema('W6') : undefined;
  const db = schema?.url ?? join(args.dir, 'W6-full.db');
  if (!onPostgres) removeDb(db);
  try {
    const created = await phase('create', db, runs, 300_000);
    created.child.kill('SIGKILL');
    await exited(created.child);
    // The killed worker's lease lapses LEASE_MS after its last renewal, at the latest.
    if (onPostgres) await new Promise((r) => setTimeout(r, LEASE_MS + 500));
    const recovered = await phase('recover', db, runs, 300_000);
    await exited(recovered.child);
    return result(runs, onPostgres ? 'postgres' : 'full', created, recovered);
  } finally {
    if (onPostgres) await schema.drop();
    else removeDb(db);
  }
}

function result(runs, mode, created, recovered) {
  const r = recovered.data;
  if (r.reexecuted !== runs)
    throw new Error(`${r.reexecuted} re-executions after recovery, expected ${runs}`);
  return {
    workload: 'W6',
    mode,
    runs,
    create: created.data,
    ...r,
    wallFromSpawnMs: recovered.wallMs,
  };
}

if (args.phase === 'create') {
  create(args.db, Number(args.runs)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (args.phase === 'recover') {
  recover(args.db, Number(args.runs)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  main(orchestrate);
}
