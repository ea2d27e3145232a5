/**
 * The crash harness (issue 3, "What must hold"): a child process (worker.mjs, on the built
 * packages) executes ~200 runs of mixed workflows (graphs, and a state machine moved by its
 * `after` timer and an `always` transition) whose side effects go through the real `http` node (a
 * machine's entry and exit actions too) to a counting server in this process. The test SIGKILLs the child at random moments, at
 * least 50 times, checks `PRAGMA integrity_check` and takes a snapshot of what is committed after
 * each kill, restarts it, and finally lets it finish. Then it checks, from the store and from the
 * server's log:
 *
 * - every run reached its expected terminal status and output;
 * - every node that should succeed has exactly one `node.succeeded` event (nothing recorded twice),
 *   the event logs have seq 1..n without gaps, and no timer is left behind;
 * - the server saw every idempotency key the workflows produce, at least as often as expected;
 * - a key is never requested again after a kill whose snapshot already held its node's result
 *   (finished executions never run again), never more than expected within one process, and never
 *   more often than its recorded attempts; so every repeated side effect is an execution that was in
 *   flight at a kill, and repeats <= the sum over kills of the executions in flight at that kill
 *   <= kills x (the largest number in flight at one kill);
 * - after every kill, each key the server saw has at least as many `node.started` events committed
 *   as requests: no execution began before the commit that started it (and made it ready).
 *
 * A second, shorter harness does the same with the store's writer thread, which holds each
 * transaction open a few ms before it commits, so that kills land while it is mid-batch; it counts
 * the kills that came while a commit was handed over and not yet acknowledged.
 *
 * A third does the same on PostgreSQL (a schema of the test database): each child joins as a new
 * worker with a short lease, and the runs a killed child held are taken by a later child once that
 * lease has ended, by a claim or by the first timer or input that reaches them. Its snapshots read
 * the tables directly (PostgreSQL has no integrity check to make: a client's death cannot damage
 * its files).
 *
 * Each child is loaded ahead, at a low priority, while the previous one runs (loading Node and the
 * packages takes longer than most lives between kills), and opens the store only when told to. Half
 * the kills count their delay from that moment (log-uniform, 5 to 400 ms: many land in recovery),
 * half from when the engine has opened (uniform, 5 to 400 ms). Child k may submit the first
 * (k + 2) / KILLS of the runs, so that runs start all along the kills whatever the machine's speed.
 *
 * WEFT_CRASH_RUNS, WEFT_CRASH_KILLS, WEFT_CRASH_LANES and WEFT_CRASH_SEED change the figures (the
 * seed is printed, so that a failure can be replayed); WEFT_CRASH_DEBUG=<file> writes every child's
 * output lines there; WEFT_CRASH_KEEP=1 keeps the PostgreSQL schema (its name is printed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setPriority as osSetPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './build.js';
import { z } from 'zod';
import { openSqliteStore } from '@weft/store-sqlite';
import { TestSchemas } from '@weft/store-postgres/testing';
import { customCode, defineNode, Engine, WeftError } from '../../src/index.js';

const RUNS = Number(process.env['WEFT_CRASH_RUNS'] ?? 200);
const KILLS = Number(process.env['WEFT_CRASH_KILLS'] ?? 50);
const SEED = Number(process.env['WEFT_CRASH_SEED'] ?? Date.now() % 1_000_000_007);
/**
 * The same with the writer thread (`writer: 'thread'`), which holds each transaction open
 * WRITER_HOLD_MS before it commits, so that kills land while it is mid-batch. Shorter by default:
 * WEFT_CRASH_THREAD_KILLS and WEFT_CRASH_THREAD_RUNS raise it.
 */
const THREAD_KILLS = Number(process.env['WEFT_CRASH_THREAD_KILLS'] ?? 12);
const THREAD_RUNS = Number(process.env['WEFT_CRASH_THREAD_RUNS'] ?? 60);
const WRITER_HOLD_MS = 15;
/**
 * The same on PostgreSQL: shorter by default, as each child waits for the lease of the one killed
 * before it to end before it takes that one's runs. WEFT_CRASH_PG_KILLS and WEFT_CRASH_PG_RUNS
 * raise it.
 */
const PG_KILLS = Number(process.env['WEFT_CRASH_PG_KILLS'] ?? 20);
const PG_RUNS = Number(process.env['WEFT_CRASH_PG_RUNS'] ?? 80);

interface Harness {
  kills: number;
  runs: number;
  /** Given: the child commits through the writer thread, holding each transaction this long. */
  writerHoldMs?: number;
}

/** Runs the child keeps going at once. */
const LANES = Number(process.env['WEFT_CRASH_LANES'] ?? 16);
/** Kill delays, after the child begins to open the store or after it has opened it. */
const MIN_DELAY_MS = 5;
const MAX_DELAY_MS = 400;

const here = fileURLToPath(new URL('.', import.meta.url));
const WORKER = join(here, 'worker.mjs');

// ---- deterministic randomness and hashing -------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The counting server answers 503 to the first request of one key in four. */
const failsFirst = (key: string) => fnv(key) % 4 === 0;

// ---- the workflows and what each run must end with ----------------------------------------------

const RETRY = { max_attempts: 4, backoff: 'fixed', initial_ms: 150 };

function effect(id: string, body: Record<string, unknown>, needs: string[] = [], path = 'effect') {
  return {
    id,
    type: 'http',
    ...(needs.length > 0 ? { needs } : {}),
    with: { method: 'POST', url: `{{ inputs.url }}/${path}`, body },
    retry: RETRY,
    timeout_ms: 10_000,
  };
}

const FAN = [0, 1, 2, 3, 4, 5];

const WORKFLOWS = [
  {
    id: 'crash-chain',
    nodes: [
      effect('s1', { v: '{{ inputs.x + 1 }}' }),
      effect('s2', { v: '{{ s1.body.v * 2 }}' }, ['s1']),
      effect('s3', { v: '{{ s2.body.v + 3 }}' }, ['s2']),
      effect('s4', { v: '{{ s3.body.v * 5 }}' }, ['s3']),
    ],
    outputs: { v: '{{ s4.body.v }}' },
  },
  {
    id: 'crash-fan',
    nodes: [
      effect('src', { v: '{{ inputs.x }}' }),
      ...FAN.map((i) => effect(`p${i}`, { v: `{{ src.body.v + ${i} }}` }, ['src'])),
      {
        id: 'join',
        type: 'transform',
        needs: FAN.map((i) => `p${i}`),
        with: { expression: FAN.map((i) => `p${i}.body.v`).join(' + ') },
      },
    ],
    outputs: { sum: '{{ join }}' },
  },
  {
    id: 'crash-wait',
    nodes: [
      effect('a', { v: '{{ inputs.x }}' }),
      { id: 'w', type: 'wait', needs: ['a'], with: { duration: '{{ inputs.ms }}' } },
      effect('b', { v: '{{ a.body.v * 3 }}' }, ['w']),
    ],
    outputs: { v: '{{ b.body.v }}' },
  },
  {
    id: 'crash-each',
    nodes: [
      {
        id: 'each',
        type: 'foreach',
        with: { items: 'inputs.items', concurrency: 3 },
        nodes: [
          effect('call', { v: '{{ item * 10 }}' }),
          {
            id: 'sq',
            type: 'transform',
            needs: ['call'],
            with: { expression: 'call.body.v + index' },
          },
        ],
      },
      effect('total', { v: '{{ $sum(each) }}' }, ['each']),
    ],
    outputs: { items: '{{ each }}', total: '{{ total.body.v }}' },
  },
  {
    // A state machine that moves by itself: an `after` timer out of `a` (running a's exit action
    // and b's entry action), then an `always` transition out of `b`, whose long `after` timer must
    // be cancelled with the leaving (no timer is left behind), to a final state with an action.
    id: 'crash-machine',
    kind: 'state-machine',
    initial: 'a',
    context: { v: 0 },
    states: {
      a: {
        entry: [effect('a_in', { v: '{{ inputs.x }}' })],
        exit: [effect('a_out', { v: '{{ context.v }}' })],
        after: { '60': { target: 'b', assign: { v: '{{ inputs.x * 2 }}' } } },
      },
      b: {
        entry: [effect('b_in', { v: '{{ context.v }}' })],
        after: { P1D: 'done' },
        always: { target: 'done', guard: 'context.v >= 0', assign: { v: '{{ context.v + 1 }}' } },
      },
      done: { type: 'final', entry: [effect('done_in', { v: '{{ context.v }}' })] },
    },
  },
  {
    id: 'crash-doomed',
    nodes: [
      effect('a', { v: '{{ inputs.x }}' }),
      effect('b', { v: '{{ a.body.v }}' }, ['a'], 'reject'),
      effect('c', { v: 1 }, ['b']),
    ],
  },
] as const;

type Kind = (typeof WORKFLOWS)[number]['id'];

interface Input {
  url: string;
  x: number;
  ms: number;
  items: number[];
}

interface Expected {
  status: 'succeeded' | 'failed';
  output?: unknown;
  errorCode?: string;
  /** Node paths that must have exactly one node.succeeded event (and no others may have one). */
  succeeded: string[];
  /** Node paths that must have exactly one unhandled node.failed event. */
  failed: string[];
  /** Paths of http executions, and whether their requests go to /reject (never retried). */
  effects: { path: string; reject: boolean }[];
}

function expected(kind: Kind, input: Input): Expected {
  const x = input.x;
  switch (kind) {
    case 'crash-chain':
      return {
        status: 'succeeded',
        output: { v: ((x + 1) * 2 + 3) * 5 },
        succeeded: ['s1', 's2', 's3', 's4'],
        failed: [],
        effects: ['s1', 's2', 's3', 's4'].map((path) => ({ path, reject: false })),
      };
    case 'crash-fan': {
      const http = ['src', ...FAN.map((i) => `p${i}`)];
      return {
        status: 'succeeded',
        output: { sum: 6 * x + 15 },
        succeeded: [...http, 'join'],
        failed: [],
        effects: http.map((path) => ({ path, reject: false })),
      };
    }
    case 'crash-wait':
      return {
        status: 'succeeded',
        output: { v: 3 * x },
        succeeded: ['a', 'w', 'b'],
        failed: [],
        effects: ['a', 'b'].map((path) => ({ path, reject: false })),
      };
    case 'crash-each': {
      const items = input.items.map((item, i) => item * 10 + i);
      const bodies = input.items.flatMap((_, i) => [`each[${i}].call`, `each[${i}].sq`]);
      return {
        status: 'succeeded',
        output: { items, total: items.reduce((a, b) => a + b, 0) },
        succeeded: ['each', ...bodies, 'total'],
        failed: [],
        effects: [...input.items.map((_, i) => `each[${i}].call`), 'total'].map((path) => ({
          path,
          reject: false,
        })),
      };
    }
    case 'crash-machine': {
      // Actions are numbered in the order they run: a's entry, a's exit, b's entry, done's entry.
      const actions = ['entry[0].a_in', 'exit[1].a_out', 'entry[2].b_in', 'entry[3].done_in'];
      return {
        status: 'succeeded',
        output: { state: 'done', context: { v: 2 * x + 1 } },
        succeeded: actions,
        failed: [],
        effects: actions.map((path) => ({ path, reject: false })),
      };
    }
    case 'crash-doomed':
      return {
        status: 'failed',
        errorCode: 'http_status',
        succeeded: ['a'],
        failed: ['b'],
        effects: [
          { path: 'a', reject: false },
          { path: 'b', reject: true },
        ],
      };
  }
}

// ---- the counting server ----------------------------------------------------------------------

interface Hit {
  /** The child process (1, 2, ...) that was current when the request arrived. */
  gen: number;
  status: number;
}

class CountingServer {
  readonly hits = new Map<string, Hit[]>();
  gen = 0;
  open = 0;
  maxOpen = 0;
  unkeyed = 0;
  requests = 0;
  url = '';
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor() {
    this.#server = createServer((req, res) => {
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      this.requests++;
      const header = req.headers['idempotency-key'];
      const key = typeof header === 'string' ? header : undefined;
      let status = 400;
      if (key === undefined) this.unkeyed++;
      else {
        const list = this.hits.get(key) ?? [];
        this.hits.set(key, list);
        status = req.url?.startsWith('/reject')
          ? 400
          : list.length === 0 && failsFirst(key)
            ? 503
            : 200;
        list.push({ gen: this.gen, status });
      }
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      res.on('close', () => this.open--);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // A small delay, fixed by the key, widens the window in which a request is in flight.
        setTimeout(
          () => {
            const body =
              status === 200
                ? Buffer.concat(chunks).toString('utf8') || '{}'
                : JSON.stringify({ error: status });
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(body);
          },
          key === undefined ? 0 : fnv(`${key}#delay`) % 15,
        );
      });
    });
  }

  /**
   * Resolves once every connection is closed and stays so for a few turns of the event loop: the
   * requests a killed child had sent are then all counted, under its number.
   */
  async quiesce(): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < 400 && quiet < 3; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      quiet = this.#sockets.size === 0 ? quiet + 1 : 0;
    }
  }

  /** Forgets what an earlier harness sent. */
  reset(): void {
    this.hits.clear();
    this.gen = 0;
    this.unkeyed = 0;
  }

  async listen(): Promise<void> {
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Best effort: lowering works for anyone, raising back needs the right to. */
function setPriority(pid: number | undefined, priority: number): void {
  if (pid === undefined) return;
  try {
    osSetPriority(pid, priority);
  } catch {
    // not allowed here: the child keeps the priority it has
  }
}

// ---- the child ------------------------------------------------------------------------------------

interface WorkerLine {
  t: number;
  ev: string;
  [k: string]: unknown;
}

interface Worker {
  child: ChildProcess;
  spawnedAt: number;
  lines: WorkerLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line of that event, or undefined when the child exits first. */
  next(ev: string): Promise<WorkerLine | undefined>;
  /** Lets a gated child (WEFT_CRASH_GATE=1) open the engine, with the first `share` runs its share. */
  go(share?: number): void;
}

/** Children still alive, killed when the test ends whatever happened. */
const alive = new Set<ChildProcess>();

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, [WORKER], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  alive.add(child);
  child.on('exit', () => alive.delete(child));
  child.stdin.on('error', () => undefined);
  // A child loads at a low priority, so that it slows down the child under test as little as can be.
  setPriority(child.pid, 15);
  const lines: WorkerLine[] = [];
  const stderr: string[] = [];
  const waiting: { ev: string; resolve: (l: WorkerLine | undefined) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: WorkerLine;
    try {
      line = JSON.parse(text) as WorkerLine;
    } catch {
      stderr.push(`stdout: ${text}`);
      return;
    }
    lines.push(line);
    for (const w of waiting.filter((x) => x.ev === line.ev)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  });
  child.stderr.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      // Let the last lines be read before anyone looks at them.
      setImmediate(() => {
        for (const w of waiting.splice(0)) w.resolve(undefined);
        resolve({ code, signal });
      });
    }),
  );
  return {
    child,
    spawnedAt: Date.now(),
    lines,
    stderr,
    exited,
    next(ev) {
      const seen = lines.find((l) => l.ev === ev);
      if (seen !== undefined) return Promise.resolve(seen);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push({ ev, resolve }));
    },
    go(share) {
      setPriority(child.pid, 0);
      child.stdin.write(share === undefined ? 'go\n' : `go ${share}\n`);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the store as a dead child left it --------------------------------------------------------------

interface Snapshot {
  integrity: string;
  /** What the kill interrupted: runs parked on a wait, nodes in retry backoff, foreach half done. */
  parkedOnWait: number;
  inBackoff: number;
  foreachMidway: number;
  /** `<run id>:<node path>` of every node with a node.succeeded or node.failed event. */
  finished: string[];
  /** `<run id>:<node path>` → its node.started events: the executions committed as begun. */
  started: Map<string, number>;
  terminalRuns: number;
}

function sqliteSnapshot(file: string): Snapshot | undefined {
  if (!existsSync(file)) return undefined;
  // Read-write although it only reads: the worker is dead, and after a kill the WAL index may need
  // rebuilding, which a read-only connection cannot do ("attempt to write a readonly database").
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const integrity = rows.map((r) => r.integrity_check).join('\n');
    const hasEvents = db
      .prepare(
        `SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = 'run_events'`,
      )
      .get();
    if (hasEvents === undefined)
      return {
        integrity,
        finished: [],
        started: new Map(),
        terminalRuns: 0,
        parkedOnWait: 0,
        inBackoff: 0,
        foreachMidway: 0,
      };
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    const finished = db
      .prepare(
        `SELECT run_id || ':' || node FROM run_events
         WHERE type IN ('node.succeeded', 'node.failed') AND node IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
    const started = new Map(
      db
        .prepare(
          `SELECT run_id || ':' || node, count(*) FROM run_events
           WHERE type = 'node.started' AND node IS NOT NULL GROUP BY 1`,
        )
        .raw()
        .all() as [string, number][],
    );
    const terminalRuns = db
      .prepare(`SELECT count(*) FROM runs WHERE status IN ('succeeded', 'failed', 'cancelled')`)
      .pluck()
      .get() as number;
    return {
      integrity,
      finished,
      started,
      terminalRuns,
      parkedOnWait: count(`SELECT count(*) FROM timers WHERE kind = 'wait'`),
      inBackoff: count(`SELECT count(*) FROM timers WHERE kind = 'retry'`),
      foreachMidway: count(
        `SELECT count(*) FROM run_nodes e WHERE e.path = 'each' AND e.status = 'running' AND EXISTS (
           SELECT 1 FROM run_nodes b WHERE b.run_id = e.run_id AND b.path LIKE 'each[%].call' AND b.status = 'succeeded')`,
      ),
    };
  } finally {
    db.close();
  }
}

/** The store the children share, as the harness opens and reads it. */
interface Target {
  /** What a child is given to open the store. */
  env: Record<string, string>;
  /** What the dead child left committed, or undefined when it left nothing yet. */
  snapshot(): Promise<Snapshot | undefined>;
  /** The runs and the timers stored. */
  counts(): Promise<{ runs: number; timers: number }>;
  /** An engine to read the store with, that runs nothing. */
  open(): Promise<Engine>;
}

function sqliteTarget(file: string): Target {
  return {
    env: { WEFT_CRASH_DB: file },
    snapshot: () => Promise.resolve(sqliteSnapshot(file)),
    counts() {
      const conn = new Database(file, { readonly: true });
      try {
        const count = (table: string) =>
          conn.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
        return Promise.resolve({ runs: count('runs'), timers: count('timers') });
      } finally {
        conn.close();
      }
    },
    open: () => Engine.open({ db: file, autoStart: false, lock: false }),
  };
}

/**
 * A schema of the test database, shared by children that each join as a new worker with a short
 * lease: the runs a killed child held wait for its lease to end, then the next child takes them.
 * PostgreSQL keeps its own files safe from a client's death: there is no integrity check to make.
 */
function postgresTarget(schemas: TestSchemas, schema: string): Target {
  const url = schemas.urlFor(schema);
  const table = (name: string) => `"${schema}".${name}`;
  const count = async (sql: string) => Number((await schemas.query<{ n: string }>(sql))[0]?.n ?? 0);
  return {
    env: { WEFT_CRASH_PG: url },
    async snapshot() {
      const [made] = await schemas.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [
        table('timers'),
      ]);
      if (made?.t == null) return undefined;
      // An event batch is a JSON array of [type, at, node, data, ref] entries.
      const events = await schemas.query<{ key: string; type: string }>(
        `SELECT b.run_id || ':' || (e->>2) AS key, e->>0 AS type
         FROM ${table('run_event_batches')} b, jsonb_array_elements(b.events::jsonb) e
         WHERE e->>2 IS NOT NULL AND e->>0 IN ('node.started', 'node.succeeded', 'node.failed')`,
      );
      const started = new Map<string, number>();
      for (const e of events)
        if (e.type === 'node.started') started.set(e.key, (started.get(e.key) ?? 0) + 1);
      return {
        integrity: 'ok',
        finished: events.filter((e) => e.type !== 'node.started').map((e) => e.key),
        started,
        terminalRuns: await count(
          `SELECT count(*) AS n FROM ${table('runs')}
           WHERE status IN ('succeeded', 'failed', 'cancelled')`,
        ),
        parkedOnWait: await count(
          `SELECT count(*) AS n FROM ${table('timers')} WHERE kind = 'wait'`,
        ),
        inBackoff: await count(`SELECT count(*) AS n FROM ${table('timers')} WHERE kind = 'retry'`),
        foreachMidway: await count(
          `SELECT count(*) AS n FROM ${table('run_nodes')} e
           WHERE e.path = 'each' AND e.status = 'running' AND EXISTS (
             SELECT 1 FROM ${table('run_nodes')} b WHERE b.run_id = e.run_id
             AND b.path LIKE 'each[%].call' AND b.status = 'succeeded')`,
        ),
      };
    },
    async counts() {
      return {
        runs: await count(`SELECT count(*) AS n FROM ${table('runs')}`),
        timers: await count(`SELECT count(*) AS n FROM ${table('timers')}`),
      };
    },
    open: () => Engine.open({ postgres: url, autoStart: false }),
  };
}

// ---- the test ---------------------------------------------------------------------------------------

describe('crash harness', () => {
  const server = new CountingServer();
  let dir: string;

  beforeAll(async () => {
    ensureBuilt();
    await server.listen();
    dir = mkdtempSync(join(tmpdir(), 'weft-crash-'));
  }, 120_000);

  afterAll(async () => {
    for (const child of alive) child.kill('SIGKILL');
    await server.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const survivesKills = async (o: Harness, target: Target) => {
    const t0 = Date.now();
    const rand = mulberry32(SEED);
    const name = o.writerHoldMs === undefined ? 'inline' : 'thread';
    const planFile = join(dir, `plan-${name}.json`);
    server.reset();
    const runs = Array.from({ length: o.runs }, (_, i) => {
      const kind = WORKFLOWS[i % WORKFLOWS.length]!.id;
      const input: Input = {
        url: server.url,
        x: i,
        ms: 150 + ((i * 37) % 250),
        items: Array.from({ length: 3 + (i % 4) }, (_, j) => i + j),
      };
      return { workflow: kind, key: `crash-${i}`, input };
    });
    writeFileSync(planFile, JSON.stringify({ workflows: WORKFLOWS, runs, lanes: LANES }));
    const env = {
      ...target.env,
      WEFT_CRASH_PLAN: planFile,
      WEFT_HTTP_ALLOW: '127.0.0.1',
      WEFT_CRASH_GATE: '1',
      // These kills are the test's, at random, many in a row: a node in flight at several of them
      // is no poisoned node, so the bound that fails such nodes is out of reach here.
      WEFT_CRASH_NODE_CRASHES: String(o.kills + 1),
      ...(o.writerHoldMs === undefined
        ? {}
        : { WEFT_CRASH_WRITER_HOLD_MS: String(o.writerHoldMs) }),
    };
    // The next child loads while the current one runs; it opens the file only when told to.
    const ready = async () => {
      const w = startWorker(env);
      if ((await w.next('ready')) === undefined) {
        const { code } = await w.exited;
        throw new Error(`a child exited (${code}) while loading: ${w.stderr.join('')}`);
      }
      return w;
    };
    let spare = ready();
    spare.catch(() => undefined);
    // The runs start all along the kills: child k may submit the first (k + 2) / o.kills of them,
    // but never all of them, so that no child of the kill phase can finish and escape its kill.
    const nextWorker = async (gen: number, last = false) => {
      const w = await spare;
      spare = ready();
      spare.catch(() => undefined);
      server.gen = gen;
      w.go(
        last
          ? undefined
          : Math.min(o.runs - 1, Math.ceil(((gen + 2) * o.runs) / Math.max(1, o.kills))),
      );
      return w;
    };

    // For each key: the first kill after which the store held its node's result.
    const finishedBy = new Map<string, number>();
    const inFlightAtKill: number[] = [];
    const integrity: string[] = [];
    const progress: number[] = [];
    const interrupted = { parkedOnWait: 0, inBackoff: 0, foreachMidway: 0 };
    let kills = 0;
    let killsInOpen = 0;
    let killsWhileIdle = 0;
    /** Kills that came while a commit was with the writer thread, not yet acknowledged. */
    let killsMidCommit = 0;
    /** Executions the server saw that no committed node.started stands for. */
    const startedEarly: string[] = [];
    let finishedEarly = false;
    const timelines: {
      gen: number;
      killedAfterMs: number;
      fromOpen: boolean;
      lines: WorkerLine[];
    }[] = [];

    const afterKill = async (gen: number) => {
      const snap = await target.snapshot();
      if (snap === undefined) {
        inFlightAtKill.push(0);
        progress.push(0);
        return;
      }
      integrity.push(snap.integrity);
      if (gen <= o.kills) {
        if (snap.parkedOnWait > 0) interrupted.parkedOnWait++;
        if (snap.inBackoff > 0) interrupted.inBackoff++;
        if (snap.foreachMidway > 0) interrupted.foreachMidway++;
      }
      expect(snap.integrity, `integrity_check after kill ${gen}`).toBe('ok');
      for (const k of snap.finished) if (!finishedBy.has(k)) finishedBy.set(k, gen);
      // A node executes only after the commit that started it (which holds the success that made
      // it ready, or follows the commit that does): every request the dead child sent has its
      // node.started in the store.
      for (const [key, list] of server.hits) {
        const begun = snap.started.get(key) ?? 0;
        if (list.length > begun)
          startedEarly.push(
            `${key}: ${list.length} requests by kill ${gen}, ${begun} committed starts`,
          );
      }
      let inFlight = 0;
      for (const [key, list] of server.hits) {
        if (list.some((h) => h.gen === gen) && !finishedBy.has(key)) inFlight++;
      }
      inFlightAtKill.push(inFlight);
      progress.push(snap.terminalRuns);
    };

    for (let gen = 1; gen <= o.kills; gen++) {
      const w = await nextWorker(gen);
      const boot = await w.next('boot');
      if (boot === undefined) {
        const { code } = await w.exited;
        throw new Error(`child ${gen} exited (${code}) before it started: ${w.stderr.join('')}`);
      }
      // Every other kill counts its delay from when the child has opened the store, so that kills
      // land in recovery (Engine.open) and in normal work alike.
      const fromOpen = gen % 2 === 0 && (await w.next('open')) !== undefined;
      // From the start: log-uniform, so that many kills land in the first few tens of ms, in
      // recovery; from the open: uniform.
      const delay = fromOpen
        ? MIN_DELAY_MS + rand() * (MAX_DELAY_MS - MIN_DELAY_MS)
        : MIN_DELAY_MS * Math.pow(MAX_DELAY_MS / MIN_DELAY_MS, rand());
      const done = await Promise.race([sleep(delay).then(() => false), w.exited.then(() => true)]);
      if (!done) w.child.kill('SIGKILL');
      const { code, signal } = await w.exited;
      if (signal === 'SIGKILL' && !w.lines.some((l) => l.ev === 'open')) killsInOpen++;
      if (signal === 'SIGKILL' && w.lines.some((l) => l.ev === 'share-done')) killsWhileIdle++;
      const commitLines = w.lines.filter((l) => l.ev === 'commit' || l.ev === 'committed');
      if (signal === 'SIGKILL' && commitLines.at(-1)?.ev === 'commit') killsMidCommit++;
      timelines.push({ gen, killedAfterMs: delay, fromOpen, lines: w.lines });
      if (signal !== 'SIGKILL') {
        // It finished everything before this kill came.
        expect(code, w.stderr.join('')).toBe(0);
        finishedEarly = true;
        await afterKill(gen);
        break;
      }
      kills++;
      // Every request the dead child sent is counted before the next child's.
      await server.quiesce();
      await afterKill(gen);
    }

    let last: Worker | undefined;
    if (!finishedEarly) {
      last = await nextWorker(kills + 1, true);
      const end = await Promise.race([last.exited, sleep(90_000).then(() => undefined)]);
      if (end === undefined) {
        last.child.kill('SIGKILL');
        await last.exited;
      }
      const logs = last.lines.filter((l) => l.ev === 'log').map((l) => JSON.stringify(l));
      expect(end?.code, `the last child: ${last.stderr.join('')}\n${logs.join('\n')}`).toBe(0);
      expect(last.lines.find((l) => l.ev === 'all-done')?.['runs']).toBe(o.runs);
      await afterKill(kills + 1);
    }
    const killPhaseMs = Date.now() - t0;
    if (process.env['WEFT_CRASH_DEBUG'] !== undefined) {
      writeFileSync(process.env['WEFT_CRASH_DEBUG'], JSON.stringify(timelines));
      writeFileSync(
        `${process.env['WEFT_CRASH_DEBUG']}.plan.json`,
        JSON.stringify({ workflows: WORKFLOWS, runs, lanes: LANES }),
      );
    }
    const unused = await spare.catch(() => undefined);
    if (unused !== undefined) {
      unused.child.stdin!.end();
      await unused.exited;
    }

    // ---- the store --------------------------------------------------------------------------
    const engine = await target.open();
    const problems: string[] = [];
    const expectedHits = new Map<string, { expected: number; attempts: number }>();
    let succeededEvents = 0;
    try {
      for (const r of runs) {
        const record = await engine.store.findRunByIdempotencyKey('default', r.workflow, r.key);
        if (record === undefined) {
          problems.push(`${r.key}: no run`);
          continue;
        }
        const view = await engine.get(record.id);
        const want = expected(r.workflow, r.input);
        if (view?.status !== want.status)
          problems.push(
            `${r.key} (${r.workflow}): status ${view?.status}, expected ${want.status}`,
          );
        if (want.output !== undefined) {
          try {
            expect(view?.output).toEqual(want.output);
          } catch {
            problems.push(
              `${r.key}: output ${JSON.stringify(view?.output)}, expected ${JSON.stringify(want.output)}`,
            );
          }
        }
        if (want.errorCode !== undefined && view?.error?.code !== want.errorCode) {
          problems.push(
            `${r.key}: error ${JSON.stringify(view?.error)}, expected ${want.errorCode}`,
          );
        }
        const events = await engine.store.readEvents(record.id, 0);
        events.forEach((e, i) => {
          if (e.seq !== i + 1) problems.push(`${r.key}: event ${i} has seq ${e.seq}`);
        });
        const succeeded = new Map<string, number>();
        const failed = new Map<string, number>();
        const attempts = new Map<string, number>();
        const lastAttempt = new Map<string, number>();
        const runEvents = events
          .filter((e) => e.node === undefined && e.type.startsWith('run.'))
          .map((e) => e.type);
        if (
          runEvents[0] !== 'run.started' ||
          runEvents.filter((t) => t === 'run.started').length !== 1
        ) {
          problems.push(`${r.key}: run events ${runEvents.join(',')}`);
        }
        const terminal = runEvents.filter(
          (t) => t === 'run.succeeded' || t === 'run.failed' || t === 'run.cancelled',
        );
        if (terminal.length !== 1 || terminal[0] !== `run.${want.status}`) {
          problems.push(`${r.key}: terminal events ${terminal.join(',')}`);
        }
        for (const e of events) {
          if (e.node === undefined) continue;
          const data = e.data as
            { attempt?: number; attempts?: number; handled?: boolean } | undefined;
          if (e.type === 'node.started') {
            // Attempts count on across crashes: 1, 2, 3... for each node path, never reused.
            const n = data?.attempt ?? 0;
            if (n !== (lastAttempt.get(e.node) ?? 0) + 1) {
              problems.push(
                `${r.key}: ${e.node} started attempt ${n} after attempt ${lastAttempt.get(e.node) ?? 0}`,
              );
            }
            lastAttempt.set(e.node, n);
          }
          if (e.type === 'node.succeeded') {
            succeededEvents++;
            succeeded.set(e.node, (succeeded.get(e.node) ?? 0) + 1);
            attempts.set(e.node, data?.attempts ?? 0);
          }
          if (e.type === 'node.failed') {
            failed.set(e.node, (failed.get(e.node) ?? 0) + 1);
            attempts.set(e.node, data?.attempts ?? 0);
          }
        }
        for (const p of want.succeeded) {
          if (succeeded.get(p) !== 1)
            problems.push(`${r.key}: ${p} has ${succeeded.get(p) ?? 0} node.succeeded events`);
        }
        for (const [p, n] of succeeded) {
          if (!want.succeeded.includes(p))
            problems.push(`${r.key}: unexpected node.succeeded for ${p} (${n})`);
        }
        for (const p of want.failed) {
          if (failed.get(p) !== 1)
            problems.push(`${r.key}: ${p} has ${failed.get(p) ?? 0} node.failed events`);
        }
        for (const [p, n] of failed) {
          if (!want.failed.includes(p))
            problems.push(`${r.key}: unexpected node.failed for ${p} (${n})`);
        }
        for (const { path, reject } of want.effects) {
          const key = `${record.id}:${path}`;
          expectedHits.set(key, {
            expected: !reject && failsFirst(key) ? 2 : 1,
            attempts: attempts.get(path) ?? 0,
          });
        }
      }
    } finally {
      await engine.close();
    }
    const { runs: stored, timers: leftover } = await target.counts();
    if (stored !== o.runs) problems.push(`${stored} runs in the store, expected ${o.runs}`);
    if (leftover !== 0)
      problems.push(`${leftover} timers left in the store after every run finished`);

    // ---- the side effects -----------------------------------------------------------------------
    let sideEffects = 0;
    let repeats = 0;
    let repeatedKeys = 0;
    let retried503 = 0;
    for (const [key, list] of server.hits) {
      sideEffects += list.length;
      retried503 += list.filter((h) => h.status === 503).length;
      const want = expectedHits.get(key);
      if (want === undefined) {
        problems.push(`unexpected key ${key} (${list.length} requests)`);
        continue;
      }
      if (list.length < want.expected)
        problems.push(`${key}: ${list.length} requests, expected ${want.expected}`);
      if (list.length > want.expected) {
        repeats += list.length - want.expected;
        repeatedKeys++;
      }
      if (list.length > want.attempts)
        problems.push(`${key}: ${list.length} requests but ${want.attempts} attempts recorded`);
      const by = finishedBy.get(key);
      const late = list.filter((h) => by !== undefined && h.gen > by);
      if (late.length > 0)
        problems.push(
          `${key}: requested in child ${late[0]!.gen} after its result was committed by child ${by}`,
        );
      const perGen = new Map<number, number>();
      for (const h of list) perGen.set(h.gen, (perGen.get(h.gen) ?? 0) + 1);
      for (const [g, n] of perGen) {
        if (n > want.expected)
          problems.push(
            `${key}: ${n} requests within child ${g}, expected at most ${want.expected}`,
          );
      }
    }
    for (const key of expectedHits.keys())
      if (!server.hits.has(key)) problems.push(`${key}: never requested`);
    if (server.unkeyed > 0) problems.push(`${server.unkeyed} requests without an Idempotency-Key`);
    const inFlightSum = inFlightAtKill.slice(0, kills).reduce((a, b) => a + b, 0);
    const maxInFlight = Math.max(0, ...inFlightAtKill.slice(0, kills));

    const figures = {
      seed: SEED,
      kills,
      kills_during_open: killsInOpen,
      ...(o.writerHoldMs === undefined
        ? {}
        : { kills_while_the_writer_thread_held_a_commit: killsMidCommit }),
      kills_after_the_child_finished_its_share: killsWhileIdle,
      kills_with_work_in_flight: inFlightAtKill.slice(0, kills).filter((n) => n > 0).length,
      kills_with_a_wait_parked: interrupted.parkedOnWait,
      kills_with_a_retry_backoff: interrupted.inBackoff,
      kills_with_a_foreach_midway: interrupted.foreachMidway,
      runs: o.runs,
      runs_finished_at_each_kill: progress.slice(0, kills).join(','),
      node_succeeded_events: succeededEvents,
      side_effects: sideEffects,
      distinct_keys: server.hits.size,
      first_attempt_503s: retried503,
      repeated_side_effects: repeats,
      repeated_keys: repeatedKeys,
      in_flight_at_kills_sum: inFlightSum,
      max_in_flight_at_one_kill: maxInFlight,
      max_concurrent_requests_at_server: server.maxOpen,
      repeat_bound_kills_x_max_in_flight: kills * maxInFlight,
      kill_phase_ms: killPhaseMs,
      total_ms: Date.now() - t0,
    };
    console.log(
      `crash harness figures:\n${Object.entries(figures)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}`,
    );

    problems.push(...startedEarly);
    expect(problems.slice(0, 30)).toEqual([]);
    expect(integrity.every((s) => s === 'ok')).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(Math.min(o.kills, 50));
    expect(repeats).toBeLessThanOrEqual(inFlightSum);
    expect(repeats).toBeLessThanOrEqual(kills * maxInFlight);
    expect(sideEffects).toBeGreaterThan(0);
    if (o.writerHoldMs !== undefined) expect(killsMidCommit).toBeGreaterThan(0);
  };

  it(
    `survives ${KILLS} SIGKILLs over ${RUNS} runs: nothing lost, nothing finished runs again`,
    () => survivesKills({ kills: KILLS, runs: RUNS }, sqliteTarget(join(dir, 'crash-inline.db'))),
    240_000,
  );

  it(
    `survives ${THREAD_KILLS} SIGKILLs with the writer thread holding each commit open`,
    () =>
      survivesKills(
        { kills: THREAD_KILLS, runs: THREAD_RUNS, writerHoldMs: WRITER_HOLD_MS },
        sqliteTarget(join(dir, 'crash-thread.db')),
      ),
    240_000,
  );

  it(`survives ${PG_KILLS} SIGKILLs over ${PG_RUNS} runs on PostgreSQL, each child a new worker`, async () => {
    const schemas = new TestSchemas();
    const schema = await schemas.create();
    console.log(`crash schema ${schema}`);
    try {
      await survivesKills({ kills: PG_KILLS, runs: PG_RUNS }, postgresTarget(schemas, schema));
    } finally {
      if (process.env['WEFT_CRASH_KEEP'] === '1') console.log(`kept schema`);
      else await schemas.dropAll();
    }
  }, 300_000);
});

// ---- a commit that fails for one run ------------------------------------------------------------

/** A node that hangs on its first attempt until the test lets it go, and returns at once after. */
function gateNode() {
  const gate: { release?: (v: unknown) => void } = {};
  const node = defineNode({
    type: 'gate',
    description: 'hangs on its first attempt until released',
    params: z.object({}),
    run: (ctx) =>
      ctx.attempt > 1 ? { again: ctx.attempt } : new Promise((r) => (gate.release = r)),
  });
  return { gate, node };
}

const GATED = {
  id: 'gated',
  nodes: [
    { id: 'g', type: 'gate' },
    { id: 'n', type: 'set', needs: ['g'], with: { values: { ok: true } } },
  ],
};
const KEYED = { id: 'keyed', nodes: [{ id: 's', type: 'set', with: { values: { x: 1 } } }] };

async function released(gate: { release?: (v: unknown) => void }): Promise<(v: unknown) => void> {
  for (let i = 0; i < 200 && gate.release === undefined; i++) await sleep(5);
  return gate.release!;
}

describe('group commit: a commit that fails for one run', () => {
  it('two concurrent starts with one idempotency key give one run', async () => {
    const engine = await Engine.open({ db: ':memory:' });
    try {
      await engine.publish(KEYED);
      const starts = await Promise.allSettled([
        engine.start('keyed', { idempotencyKey: 'same' }),
        engine.start('keyed', { idempotencyKey: 'same' }),
      ]);
      const ids = starts.map((s) => (s.status === 'fulfilled' ? s.value.id : String(s.reason)));
      expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[1]).toBe(ids[0]);
    } finally {
      await engine.close();
    }
  });

  it('does not strand a run whose node result shared the commit that failed', async () => {
    const { gate, node } = gateNode();
    const engine = await Engine.open({ db: ':memory:', nodes: [node] });
    try {
      await engine.publish(KEYED);
      await engine.publish(GATED);
      const run = await engine.start('gated');
      const release = await released(gate);
      // The gate's result and two starts with one key are decided in the same turn: one commit.
      release({ done: true });
      await Promise.allSettled([
        engine.start('keyed', { idempotencyKey: 'same' }),
        engine.start('keyed', { idempotencyKey: 'same' }),
      ]);
      const view = await Promise.race([
        engine.wait(run.id, { until: 'finished' }),
        sleep(3000).then(() => undefined),
      ]);
      expect(view?.status ?? `still ${(await engine.get(run.id))?.status} after 3 s`).toBe(
        'succeeded',
      );
    } finally {
      await engine.close();
    }
  });

  it('does not strand the runs of a commit that failed (an injected store error)', async () => {
    const { gate, node } = gateNode();
    const store = await openSqliteStore({ path: ':memory:' });
    let failNext = false;
    // The store as it is, but its next commit can be made to fail once (a full disk, an I/O error).
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'commit') {
          return (writes: Parameters<typeof store.commit>[0]) => {
            if (!failNext) return target.commit(writes);
            failNext = false;
            return Promise.reject(
              new WeftError(customCode('store_unavailable'), 'disk I/O error (injected)'),
            );
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const engine = await Engine.open({ store: flaky, nodes: [node] });
    try {
      await engine.publish(GATED);
      const run = await engine.start('gated');
      const release = await released(gate);
      failNext = true;
      release({ done: true });
      const view = await Promise.race([
        engine.wait(run.id, { until: 'finished' }),
        sleep(3000).then(() => undefined),
      ]);
      expect(view?.status ?? `still ${(await engine.get(run.id))?.status} after 3 s`).toBe(
        'succeeded',
      );
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
