/**
 * A child process for the crash tests. It runs the built packages (a child cannot use vitest's
 * source aliases), so `npx tsc -b` must have run: `npm test` does.
 *
 * Environment:
 *   WEFT_CRASH_DB    the SQLite file
 *   WEFT_CRASH_PLAN  a JSON file: { workflows: [definition...], runs: [{ workflow, key, input }], lanes }
 *   WEFT_HTTP_ALLOW  127.0.0.1, so that the http node may reach the test's local server
 *
 * It opens the engine (which recovers every unfinished run), publishes the workflows (the same
 * content keeps its version), then starts each run of the plan with its idempotency key, `lanes`
 * at a time, and waits for each to finish. A restarted child therefore never submits a run twice:
 * `start` with a known key returns the existing run. Progress goes to stdout as JSON lines
 * `{ t, ev, ... }`: boot, open, started, done, all-done; the parent kills it at random moments.
 */
import { readFileSync } from 'node:fs';
import { Engine } from 'weft';

const say = (ev, data = {}) => process.stdout.write(`${JSON.stringify({ t: Date.now(), ev, ...data })}\n`);

const db = process.env.WEFT_CRASH_DB;
const planFile = process.env.WEFT_CRASH_PLAN;
if (db === undefined || planFile === undefined) {
  process.stderr.write('WEFT_CRASH_DB and WEFT_CRASH_PLAN are required\n');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8'));

say('boot', { pid: process.pid });
const engine = await Engine.open({ db });
say('open');

for (const workflow of plan.workflows) await engine.publish(workflow);

let next = 0;
let finished = 0;
async function lane() {
  while (next < plan.runs.length) {
    const i = next++;
    const r = plan.runs[i];
    const { id, status } = await engine.start(r.workflow, { input: r.input, idempotencyKey: r.key });
    say('started', { i, id, status });
    const view = await engine.wait(id, { until: 'finished' });
    finished++;
    say('done', { i, id, status: view.status, finished_at: view.finished_at });
  }
}

await Promise.all(Array.from({ length: Math.max(1, plan.lanes ?? 1) }, () => lane()));
say('all-done', { runs: finished, stats: engine.stats });
await engine.close();
