// Shared by the bench driver and the workload processes: argument parsing, statistics, the
// bench-only node type, the workload shapes, the storage modes and memory probes.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

// ---- arguments --------------------------------------------------------------------------------

/** `--key value`, `--key=value` and bare `--flag` (true). */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out[a.slice(2)] = argv[++i];
    } else {
      out[a.slice(2)] = true;
    }
  }
  return out;
}

export function intArg(args, name, fallback) {
  const v = args[name];
  if (v === undefined || v === true) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

// ---- statistics -------------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return {
    n: s.length,
    min: s[0],
    median: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1],
    mean,
  };
}

// ---- storage modes ----------------------------------------------------------------------------

/** The modes of W1-W3. W4-W6 use `full` (Weft's default). */
export const MODES = {
  full: {
    synchronous: 'FULL',
    file: true,
    label: 'SQLite file, synchronous=FULL (default, power-loss safe)',
  },
  normal: {
    synchronous: 'NORMAL',
    file: true,
    label: 'SQLite file, synchronous=NORMAL (crash safe)',
  },
  memory: { synchronous: 'FULL', file: false, label: 'SQLite :memory:' },
};

/**
 * W1-W4 and W6 on the PostgreSQL store (`npm run bench -- --store postgres`): not one of MODES,
 * which are SQLite's and run every time. The server is WEFT_BENCH_POSTGRES_URL (default: the
 * tests').
 */
export const POSTGRES_MODE = {
  synchronous: 'FULL',
  file: false,
  postgres: true,
  label: 'PostgreSQL, synchronous_commit=on (its default)',
};

export const postgresUrl = () =>
  process.env.WEFT_BENCH_POSTGRES_URL ??
  process.env.WEFT_TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

export function modeOf(args) {
  const name = args.mode ?? 'full';
  if (name === 'postgres') return { name, ...POSTGRES_MODE };
  const mode = MODES[name];
  if (mode === undefined)
    throw new Error(`unknown --mode ${name} (full | normal | memory | postgres)`);
  return { name, ...mode };
}

/**
 * A fresh empty schema on the bench's PostgreSQL server, for one process: its URL (with the
 * schema as the search path) and `drop()`.
 */
export async function postgresSchema(name) {
  const { default: pg } = await import('pg');
  const schema = `weft_bench_${name.toLowerCase().replace(/[^a-z0-9]/g, '_')}_${process.pid}`;
  const sql = async (text) => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const url = new URL(postgresUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/**
 * The engine's store options for a workload: a fresh SQLite file of the mode, or a fresh
 * PostgreSQL schema; `done()` removes the schema once the engine is closed. On PostgreSQL the
 * engine is a worker: `worker` (its WorkerOptions) sets how many runs it carries at once, which
 * must cover what the workload has in flight, or the runs past it wait `queued` for a claim.
 */
export async function storeOptions(args, mode, name, worker = {}) {
  if (mode.postgres !== true) {
    return {
      options: { db: dbPath(args, mode, name), synchronous: mode.synchronous },
      done: () => {},
    };
  }
  const s = await postgresSchema(name);
  return { options: { postgres: s.url, worker }, url: s.url, done: s.drop };
}

/** A fresh database path for this workload in `--dir` (removed first), or ':memory:'. */
export function dbPath(args, mode, name) {
  if (!mode.file) return ':memory:';
  const dir = args.dir;
  if (typeof dir !== 'string') throw new Error('--dir is required for file modes');
  const path = join(dir, `${name}-${mode.name}.db`);
  removeDb(path);
  return path;
}

export function removeDb(path) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** The pragmas in effect as SQLite reports them (SqliteStore exposes them). */
export function pragmasOf(engine) {
  const p = engine.store?.pragmas;
  return p === undefined ? undefined : { journal_mode: p.journal_mode, synchronous: p.synchronous };
}

// ---- the bench node ---------------------------------------------------------------------------

/**
 * The side effect of the bench node: an in-process counter. Workloads read it to know how many
 * executions have started, and can wait until it reaches a value.
 */
export const effects = {
  count: 0,
  /** Executions whose ctx.attempt was above 1 (re-executions after a crash or a retry). */
  reexecuted: 0,
  waiters: [],
  reset() {
    this.count = 0;
    this.reexecuted = 0;
  },
  /** Resolves once `count` has reached `n`. */
  until(n) {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  },
  bump(attempt) {
    this.count++;
    if (attempt > 1) this.reexecuted++;
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => this.count >= w.n);
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((w) => this.count < w.n);
        for (const w of ready) w.resolve();
      }
    }
    return this.count;
  },
};

const benchParams = z
  .object({
    /** What the node read from upstream through a template (ignored, but rendered). */
    prev: z.unknown().optional(),
    /** Never finish (until aborted): an activity in flight, for W6. */
    hang: z.boolean().optional(),
  })
  .strict();

/** The node function itself, shared by the engine's node type and the in-memory floor. */
export async function benchStep(ctx, params) {
  const n = effects.bump(ctx.attempt ?? 1);
  if (params.hang === true) {
    return new Promise((_, reject) => {
      const signal = ctx.signal;
      if (signal === undefined) return;
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
  return { n, from: ctx.nodeId };
}

/**
 * The bench-only node type, registered through the public plugin API. It behaves like an activity
 * with a side effect: the engine must run it once per execution and keep its output durably.
 */
export function benchNodeType(defineNode) {
  return defineNode({
    type: 'bench.step',
    description:
      'Bench only: bumps an in-process counter (its side effect) and returns { n, from }.',
    params: benchParams,
    run: benchStep,
  });
}

/**
 * Opens an engine with the bench node registered. WEFT_BENCH_WRITER=thread|inline chooses where
 * the SQLite store writes its commits (the engine's default otherwise). WEFT_BENCH_SHARED=1 opens
 * a SQLite file shared, as `weft serve` does: the engine is a worker alone on the file (room for
 * every run the workload has in flight), which measures what sharing costs a process alone.
 */
export async function openEngine(weft, options) {
  const { Engine, defineNode } = weft;
  const writer = process.env.WEFT_BENCH_WRITER;
  const shared =
    process.env.WEFT_BENCH_SHARED === '1' && options.db !== undefined && options.db !== ':memory:';
  return Engine.open({
    ...(writer === undefined ? {} : { sqliteWriter: writer }),
    ...(shared ? { shared: true, worker: { concurrency: 100_000 } } : {}),
    ...options,
    nodes: [...(options.nodes ?? []), benchNodeType(defineNode)],
  });
}

// ---- workload shapes --------------------------------------------------------------------------

const STEP = 'bench.step';

/** W1: 5 nodes in sequence, each reading the previous one's output. */
export function chain5(id = 'bench-chain5') {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  return {
    id,
    nodes: ids.map((n, i) =>
      i === 0
        ? { id: n, type: STEP }
        : { id: n, type: STEP, with: { prev: `{{ ${ids[i - 1]}.n }}` } },
    ),
    edges: ids.slice(1).map((n, i) => ({ from: ids[i], to: n })),
  };
}

export const DAG_WIDTH = 18;
const pid = (i) => `p${String(i + 1).padStart(2, '0')}`;

/** W2: 1 start node, 18 parallel nodes depending on it, 1 join reading all 18 outputs. */
export function dag20(id = 'bench-dag20') {
  const ps = Array.from({ length: DAG_WIDTH }, (_, i) => pid(i));
  return {
    id,
    nodes: [
      { id: 's', type: STEP },
      ...ps.map((p) => ({ id: p, type: STEP, with: { prev: '{{ s.n }}' } })),
      { id: 'j', type: STEP, with: { prev: `{{ [${ps.map((p) => `${p}.n`).join(', ')}] }}` } },
    ],
    edges: [...ps.map((p) => ({ from: 's', to: p })), ...ps.map((p) => ({ from: p, to: 'j' }))],
  };
}

/** The in-memory floor of W1: the same node function, in the same shape, with awaits. */
export async function chain5Plain(ctxs) {
  let out = await benchStep(ctxs[0], {});
  for (let i = 1; i < 5; i++) out = await benchStep(ctxs[i], { prev: out.n });
  return out;
}

/** The in-memory floor of W2. */
export async function dag20Plain(ctxs) {
  const s = await benchStep(ctxs[0], {});
  const ps = await Promise.all(
    Array.from({ length: DAG_WIDTH }, (_, i) => benchStep(ctxs[i + 1], { prev: s.n })),
  );
  return benchStep(ctxs[DAG_WIDTH + 1], { prev: ps.map((p) => p.n) });
}

/** Node contexts for the plain floors: what the node function reads of ctx. */
export function plainContexts(ids) {
  const signal = new AbortController().signal;
  return ids.map((nodeId) => ({ nodeId, attempt: 1, signal }));
}

// ---- concurrency and memory -------------------------------------------------------------------

/** Calls `task(i)` for i in [0, count), at most `limit` at a time. Rejects on the first failure. */
export async function pool(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Forces full garbage collections when the process runs with --expose-gc. */
export async function settle() {
  if (typeof globalThis.gc !== 'function') return;
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
}

export function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Peak RSS of this process so far, in bytes. */
export function peakRss() {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * With WEFT_BENCH_MARKS=1, prints `mark <label> <µs>` on stderr, on the monotonic clock that
 * `--cpu-prof` timestamps use, so that a profile can be cut to the measured phase.
 */
export function mark(label) {
  if (process.env.WEFT_BENCH_MARKS)
    process.stderr.write(`mark ${label} ${process.hrtime.bigint() / 1000n}\n`);
}

/** Prints the workload's result as one JSON line on stdout: the driver reads the last line. */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs a workload's main, reporting a failure as `{ error }` with exit code 1. */
export function main(fn) {
  fn().then(
    (result) => {
      report(result);
      process.exit(0);
    },
    (e) => {
      report({
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        stack: e?.stack,
      });
      process.exit(1);
    },
  );
}
