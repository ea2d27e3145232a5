/**
 * CLI commands on a SQLite file that a `weft worker` shares (issue 13): `weft run` carries its own
 * run only, leaving others' runs (a queued one here) to the workers; `weft runs events --follow`
 * prints the events of a run a worker carries as they are committed, and ends with the run.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '@weft/engine';
import { expectExit, parseJson, requireBuild, sandbox, type Sandbox } from './harness.js';

let box: Sandbox;
beforeAll(() => requireBuild());
afterEach(() => box.remove());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HELLO = `id: hello
nodes:
  - id: greet
    type: set
    with:
      values: { greeting: hello }
outputs:
  greeting: "{{ greet.greeting }}"
`;

const NAPPING = `id: napping
nodes:
  - id: nap
    type: wait
    with:
      duration: PT0.2S
  - id: after
    type: set
    needs: [nap]
    with:
      values: { woke: true }
outputs:
  woke: "{{ after.woke }}"
`;

const ASKING = `id: asking
nodes:
  - id: ask
    type: human
    with:
      prompt: go on?
      schema: { type: object }
  - id: after
    type: set
    needs: [ask]
    with:
      values: { woke: true }
outputs:
  woke: "{{ after.woke }}"
`;

/** Starts a run of `yaml` on the file with no room to carry it here: it waits `queued`. */
async function queuedRun(db: string, yaml: string, workflow: string): Promise<string> {
  const engine = await Engine.open({ db, shared: true, worker: { concurrency: 0 } });
  try {
    await engine.publish(yaml);
    const started = await engine.start(workflow);
    expect(started.status).toBe('queued');
    return started.id;
  } finally {
    await engine.close();
  }
}

async function statusOf(id: string): Promise<string> {
  const r = await box.weft(['runs', 'show', id, '--json']);
  expectExit(r, 0);
  return parseJson<{ status: string }>(r).status;
}

describe('CLI commands beside a weft worker on one SQLite file', () => {
  it('weft run carries its own run and leaves a queued run of another to the workers', async () => {
    box = sandbox();
    expectExit(await box.weft(['migrate']), 0);
    // No worker is up: the queued run waits for one.
    const queued = await queuedRun(box.db, NAPPING, 'napping');
    box.write('hello.yaml', HELLO);
    const run = await box.weft(['run', 'hello.yaml', '--json']);
    expectExit(run, 0);
    expect(parseJson(run)).toMatchObject({ status: 'succeeded', output: { greeting: 'hello' } });

    expect(await statusOf(queued)).toBe('queued');
    const events = await box.weft(['runs', 'events', queued, '--json']);
    expectExit(events, 0);
    expect(events.stdout).toBe('');
    const file = new Database(box.db, { readonly: true });
    try {
      const holder = file.prepare('SELECT owner FROM run_claims WHERE run_id = ?').pluck();
      expect(holder.get(queued) ?? null).toBeNull();
    } finally {
      file.close();
    }

    // The worker that starts next takes it.
    const worker = box.start(['worker'], { env: { WEFT_LOG_LEVEL: 'info' } });
    await worker.waitForStderr(/concurrency 64/);
    for (let i = 0; i < 200 && (await statusOf(queued)) !== 'succeeded'; i++) await sleep(100);
    expect(await statusOf(queued)).toBe('succeeded');
    expectExit(await worker.stop('SIGTERM'), 0);
  });

  it('weft runs events --follow prints the events of a run a worker carries as they come', async () => {
    box = sandbox();
    expectExit(await box.weft(['migrate']), 0);
    const worker = box.start(['worker'], { env: { WEFT_LOG_LEVEL: 'info' } });
    await worker.waitForStderr(/concurrency 64/);
    const id = await queuedRun(box.db, ASKING, 'asking');

    const follow = box.start(['runs', 'events', id, '--follow', '--json']);
    for (let i = 0; i < 1500 && !follow.stdout.includes('"node.waiting"'); i++) await sleep(20);
    expect(follow.stdout).toContain('"node.waiting"');
    // Printed while the run waits for its answer; what comes after the answer comes live.
    expect(await statusOf(id)).toBe('waiting');
    expect(follow.stdout).not.toContain('"run.succeeded"');
    expectExit(await box.weft(['runs', 'input', id, '--node', 'ask', '--value', '{}']), 0);

    const done = await follow.result;
    expectExit(done, 0);
    const types = done.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.succeeded');
    expect(types).toContain('node.waiting');
    const view = await box.weft(['runs', 'show', id, '--json']);
    expect(parseJson(view)).toMatchObject({ status: 'succeeded', output: { woke: true } });
    expectExit(await worker.stop('SIGTERM'), 0);
  });
});
