// W3 on a cluster: the W3 runs (chain5) carried by N worker processes on one PostgreSQL schema.
//
// This process is the driver: an engine with `worker: { concurrency: 0 }`, which only starts runs,
// so every run it starts is stored `queued` and claimed by whichever worker is free
// (cluster-worker.mjs, N child processes, each carrying up to --concurrency runs at once, W3's 100
// by default). The driver starts all the runs at once (500 `engine.start()` calls in flight) and
// the figure is steps/s from the first start to the last finish, the finish as the worker that
// committed it timed it. Commits and decisions are each worker's `engine.stats`, summed; the
// driver's own commits (the starts) are counted apart; each worker also times its store's commit
// calls and its CPU. A warm-up batch goes through the whole cluster first. The PostgreSQL floor (1 client and 16) is measured before and after, here.
// Usage: node bench/workloads/w3-cluster.mjs --workers N [--quick] [--runs N] [--warmup N]
//        [--concurrency N] [--poll-ms N]
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chain5,
  intArg,
  main,
  openEngine,
  parseArgs,
  peakRss,
  pool,
  postgresSchema,
} from '../lib/common.mjs';
import { postgresFloor } from '../lib/floor.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const STARTS_IN_FLIGHT = 500;

/** A worker child and what it said last. */
function spawnWorker(url, options) {
  const argv = ['--url', url, '--concurrency', String(options.concurrency)];
  if (options.pollMs !== undefined) argv.push('--poll-ms', String(options.pollMs));
  const child = fork(join(here, 'cluster-worker.mjs'), argv, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const w = { child, finished: 0, onFinished: () => {}, pending: new Map(), exited: false };
  w.ready = new Promise((resolve, reject) => {
    w.fail = reject;
    child.on('message', (m) => {
      if (m.ev === 'ready') resolve();
      else if (m.ev === 'finished') {
        w.finished = m.n;
        w.onFinished();
      } else if (m.ev === 'error') w.fail(new Error(`worker ${child.pid}: ${m.error}`));
      else w.pending.get(m.ev)?.(m);
    });
  });
  child.on('exit', (code, signal) => {
    w.exited = true;
    const why = new Error(`worker ${child.pid} exited (${code ?? signal})`);
    w.fail(why);
    for (const resolve of w.pending.values()) resolve({ error: why.message });
  });
  return w;
}

/** Sends `cmd` to a worker and resolves with its answer (`ev`). */
function ask(w, cmd, ev) {
  return new Promise((resolve, reject) => {
    w.pending.set(ev, (m) => {
      w.pending.delete(ev);
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m);
    });
    w.child.send({ cmd });
  });
}

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const workers = intArg(args, 'workers', 1);
  const runs = intArg(args, 'runs', quick ? 500 : 2000);
  const warmup = intArg(args, 'warmup', quick ? 200 : 500);
  const concurrency = intArg(args, 'concurrency', 100);
  const pollMs = args['poll-ms'] === undefined ? undefined : intArg(args, 'poll-ms', 1000);
  const weft = await import('weft');
  const schema = await postgresSchema(`W3-cluster-${workers}`);
  const engine = await openEngine(weft, { postgres: schema.url, worker: { concurrency: 0 } });
  const children = [];
  try {
    const { id } = await engine.publish(chain5());
    for (let i = 0; i < workers; i++) {
      children.push(spawnWorker(schema.url, { concurrency, pollMs }));
    }
    await Promise.all(children.map((w) => w.ready));
    const failure = new Promise((_, reject) => {
      for (const w of children) w.fail = reject;
    });
    failure.catch(() => undefined);

    const finished = () => children.reduce((n, w) => n + w.finished, 0);
    /** Resolves once the workers together have finished `n` runs. */
    const finishedReach = (n) =>
      Promise.race([
        failure,
        new Promise((resolve) => {
          const check = () => {
            if (finished() < n) return;
            for (const w of children) w.onFinished = () => {};
            resolve();
          };
          for (const w of children) w.onFinished = check;
          check();
        }),
      ]);
    /** Starts `count` runs from this process; resolves when the workers have finished them. */
    const batch = async (count) => {
      const done = finishedReach(finished() + count);
      await pool(count, STARTS_IN_FLIGHT, () => engine.start(id));
      const startsCommitted = performance.timeOrigin + performance.now();
      await done;
      return startsCommitted;
    };

    await batch(warmup);
    const floorBefore = await postgresFloor('probe', `W3c${workers}-floor`);
    const snap = () => Promise.all(children.map((w) => ask(w, 'snapshot', 'snapshot')));
    const before = await snap();
    const driver0 = { ...engine.stats };
    const firstStart = performance.timeOrigin + performance.now();
    const startsCommittedAt = await batch(runs);
    const after = await snap();
    const driver1 = { ...engine.stats };
    const floorAfter = await postgresFloor('probe', `W3c${workers}-floor`);
    const finals = await Promise.all(children.map((w) => ask(w, 'stop', 'stopped')));

    const sum = (list, get) => list.reduce((n, x) => n + get(x), 0);
    const steps = sum(after, (s) => s.steps) - sum(before, (s) => s.steps);
    const commits = sum(after, (s) => s.stats.commits) - sum(before, (s) => s.stats.commits);
    const decisions = sum(after, (s) => s.stats.decisions) - sum(before, (s) => s.stats.decisions);
    const failed = sum(after, (s) => s.failed);
    const reexecuted = sum(after, (s) => s.reexecuted);
    if (failed > 0) throw new Error(`${failed} runs did not succeed`);
    if (steps !== runs * 5)
      throw new Error(`${steps} bench node executions for ${runs} runs, expected ${runs * 5}`);
    const lastFinish = Math.max(...after.map((s) => s.lastFinishAt ?? 0));
    const seconds = (lastFinish - firstStart) / 1000;
    const workerCpuMs = sum(after, (s) => s.cpuMs) - sum(before, (s) => s.cpuMs);
    const storeCommits =
      sum(after, (s) => s.storeCommits.count) - sum(before, (s) => s.storeCommits.count);
    const storeCommitMs =
      sum(after, (s) => s.storeCommits.ms) - sum(before, (s) => s.storeCommits.ms);
    return {
      workload: 'W3-cluster',
      mode: 'postgres',
      workers,
      cpus: cpus().length,
      runs,
      warmup,
      concurrency,
      pollMs,
      seconds,
      startsSeconds: (startsCommittedAt - firstStart) / 1000,
      runsPerSecond: runs / seconds,
      stepsPerSecond: steps / seconds,
      commits,
      commitsPerSecond: commits / seconds,
      commitsPerStep: commits / steps,
      commitsPerRun: commits / runs,
      decisionsPerCommit: decisions / commits,
      driverCommits: driver1.commits - driver0.commits,
      /** The workers' CPU time in the measured phase, summed: per step, and in cores kept busy. */
      workerCpuUsPerStep: (workerCpuMs * 1000) / steps,
      workerCores: workerCpuMs / 1000 / seconds,
      /** A worker's wait for one commit of the store, mean; and the share of the workers' time. */
      storeCommitMs: storeCommitMs / storeCommits,
      storeCommitShare: storeCommitMs / 1000 / (seconds * workers),
      reexecuted,
      /** Steps each worker carried: how evenly the claims spread the runs. */
      stepsPerWorker: after.map((s, i) => s.steps - before[i].steps),
      floor: { before: floorBefore, after: floorAfter },
      workerPeakRss: Math.max(...finals.map((f) => f.peakRss)),
      driverPeakRss: peakRss(),
    };
  } finally {
    for (const w of children) if (!w.exited) w.child.kill('SIGKILL');
    await engine.close();
    await schema.drop();
  }
});
