/**
 * A child process for the crash tests. It runs the built packages (a child cannot use vitest's
 * source aliases), so `npx tsc -b` must have run: `npm test` does.
 *
 * Environment:
 *   WEFT_CRASH_DB    the SQLite file, or
 *   WEFT_CRASH_PG    the PostgreSQL URL (with its schema): the child joins as a worker of its own,
 *                    with a short lease, so that the runs of a killed child are soon taken over
 *   WEFT_CRASH_PLAN  a JSON file: { workflows: [definition...], runs: [{ workflow, key, input }], lanes }
 *   WEFT_HTTP_ALLOW  127.0.0.1, so that the http node may reach the test's local server
 *   WEFT_CRASH_POISON=1  registers a `poison` node type that kills the process (SIGKILL) each time
 *                    it runs, and prints the engine's error logs as `log` lines
 *   WEFT_CRASH_NODE_CRASHES  the engine's `maxNodeCrashes` (default 3)
 *   WEFT_CRASH_STEPS  a ledger file: registers a `stepper` node type whose durable sub-steps each
 *                    append `ran <run> <node> <step> <pid>` when they run and `recorded ...` once
 *                    ctx.step has returned (committed)
 *   WEFT_CRASH_WRITER_HOLD_MS  commits go through the store's writer thread, which holds each
 *                    transaction open that long before it commits; each commit prints `commit`
 *                    when it is handed over and `committed` when it is acknowledged
 *
 * It opens the engine (which recovers every unfinished run), publishes the workflows (the same
 * content keeps its version), then starts each run of the plan with its idempotency key, `lanes`
 * at a time, and waits for each to finish. A restarted child therefore never submits a run twice:
 * `start` with a known key returns the existing run. Progress goes to stdout as JSON lines
 * `{ t, ev, ... }`: boot, open, started, done, all-done; the parent kills it at random moments.
 *
 * With WEFT_CRASH_GATE=1 it loads and warms up (an in-memory engine compiles the workflows) without
 * touching the file, prints `ready`, and waits for a line `go [N]` on stdin before it opens the
 * engine: the parent starts the next child while the current one runs, so that loading Node and the
 * packages does not count in the time between kills. With N, only the first N runs of the plan are
 * this child's share: it submits those (the earlier ones exist already), waits for them, prints
 * `share-done` and idles until it is killed; the parent raises N from child to child so that new
 * runs start all along the kills, whatever the speed of the machine.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { defineNode, Engine, openSqliteStore } from 'weft';
import { z } from 'zod';

const say = (ev, data = {}) =>
  process.stdout.write(`${JSON.stringify({ t: Date.now(), ev, ...data })}\n`);

const db = process.env.WEFT_CRASH_DB;
const postgres = process.env.WEFT_CRASH_PG;
const planFile = process.env.WEFT_CRASH_PLAN;
if ((db === undefined && postgres === undefined) || planFile === undefined) {
  process.stderr.write('WEFT_CRASH_DB or WEFT_CRASH_PG, and WEFT_CRASH_PLAN, are required\n');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8'));

/** A node that takes the process down with it, as a native crash or an out-of-memory kill would. */
const poison = defineNode({
  type: 'poison',
  description: 'kills the process',
  params: z.object({}),
  run: () => process.kill(process.pid, 'SIGKILL'),
});
/** Sub-steps told in a ledger, so that the parent can check no recorded step ran again. */
const ledger = process.env.WEFT_CRASH_STEPS;
const stepper = defineNode({
  type: 'stepper',
  description: 'numbered durable sub-steps, each told in a ledger file',
  params: z.object({ steps: z.number(), ms: z.number() }),
  run: async (ctx, p) => {
    const out = [];
    for (let i = 0; i < p.steps; i++) {
      const tell = (what) =>
        appendFileSync(ledger, `${what} ${ctx.runId} ${ctx.path} ${i} ${process.pid}\n`);
      out.push(
        await ctx.step(`s${i}`, async () => {
          tell('ran');
          await new Promise((r) => setTimeout(r, p.ms));
          return i * 10;
        }),
      );
      tell('recorded');
    }
    return out;
  },
});
const quiet = () => undefined;
const tell = (level) => (obj, msg) =>
  say('log', {
    level,
    msg,
    ...obj,
    ...(obj?.err ? { err: String(obj.err?.stack ?? obj.err) } : {}),
  });
const log = {
  debug: quiet,
  info: postgres === undefined ? quiet : tell('info'),
  warn: postgres === undefined ? quiet : tell('warn'),
  error: tell('error'),
  child: () => log,
};
const poisoned = process.env.WEFT_CRASH_POISON === '1';
const maxNodeCrashes = Number(process.env.WEFT_CRASH_NODE_CRASHES ?? 3);
const nodes = [...(poisoned ? [poison] : []), ...(ledger === undefined ? [] : [stepper])];

// How many runs of the plan this child may submit (its share); `go N` may lower it.
let share = plan.runs.length;
if (process.env.WEFT_CRASH_GATE === '1') {
  const warm = await Engine.open({ db: ':memory:', nodes });
  for (const workflow of plan.workflows) await warm.publish(workflow);
  await warm.close();
  say('ready');
  const line = await new Promise((resolve) => {
    process.stdin.once('data', (data) => resolve(String(data)));
    process.stdin.once('end', () => process.exit(0));
  });
  process.stdin.pause();
  const n = Number(/^go (\d+)/.exec(line)?.[1] ?? share);
  share = Math.min(share, n);
}

/** The store with the writer thread, its commits told on stdout (a pipe: written at once). */
async function threadStore(holdMs) {
  const store = await openSqliteStore({ path: db, writer: 'thread', writerHoldMs: holdMs });
  const commit = store.commit.bind(store);
  store.commit = async (writes) => {
    say('commit', { runs: writes.length });
    try {
      await commit(writes);
    } finally {
      say('committed');
    }
  };
  return store;
}

/** Short, so that a killed child's runs wait little for the next one; long enough to renew. */
const PG_LEASE_MS = 1000;

say('boot', { pid: process.pid });
const holdMs = process.env.WEFT_CRASH_WRITER_HOLD_MS;
const engine = await Engine.open({
  ...(postgres === undefined
    ? { db }
    : { postgres, worker: { leaseMs: PG_LEASE_MS, pollMs: 100 } }),
  ...(holdMs === undefined ? {} : { store: await threadStore(Number(holdMs)) }),
  maxNodeCrashes,
  nodes,
  ...(poisoned || postgres !== undefined ? { log } : {}),
});
say('open');

// Publishing the same content again keeps its version; skipping it saves the restarts time.
for (const workflow of plan.workflows) {
  if ((await engine.store.getWorkflow('default', workflow.id)) === undefined)
    await engine.publish(workflow);
}

let next = 0;
let finished = 0;
async function lane() {
  while (next < share) {
    const i = next++;
    const r = plan.runs[i];
    const { id, status } = await engine.start(r.workflow, {
      input: r.input,
      idempotencyKey: r.key,
    });
    say('started', { i, id, status });
    const view = await engine.wait(id, { until: 'finished' });
    finished++;
    say('done', { i, id, status: view.status, finished_at: view.finished_at });
  }
}

await Promise.all(Array.from({ length: Math.max(1, plan.lanes ?? 1) }, () => lane()));
if (share < plan.runs.length) {
  // Its share is done: it idles (timers and recovered runs go on) until it is killed.
  say('share-done', { runs: finished });
  await new Promise(() => setInterval(() => undefined, 60_000));
}
say('all-done', { runs: finished, stats: engine.stats });
await engine.close();
await engine.store.close();
