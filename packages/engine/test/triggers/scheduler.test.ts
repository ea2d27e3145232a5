/**
 * Cron triggers (SPEC section 6, issue 4): schedules kept in the store in step with published
 * workflows, fired once per due time (also by two schedulers over one store), one catch-up run after
 * downtime, never a burst. Real time, real SQLite files; counts allow ±1 at the edges.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, startScheduler, type Scheduler } from '../../src/index.js';
import { tempDb, yaml } from '../helpers.js';

const opened: Engine[] = [];
const open = async (options: Parameters<typeof Engine.open>[0]) => {
  const engine = await Engine.open(options);
  opened.push(engine);
  return engine;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((e) => e.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const everySecond = yaml`
id: tick
triggers:
  - { type: cron, schedule: "* * * * * *", input: { source: cron } }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs" } }
`;

interface CronRun {
  id: string;
  due: number;
  createdAt: number;
  input: unknown;
}

/** Runs started by cron, oldest first, with the due time their idempotency key names. */
async function cronRuns(engine: Engine, workflowId = 'tick'): Promise<CronRun[]> {
  const { runs } = await engine.store.listRuns({ workflowId, limit: 1000 });
  return runs
    .filter((r) => r.idempotencyKey?.startsWith('cron:') === true)
    .map((r) => ({
      id: r.id,
      due: Date.parse(r.idempotencyKey!.split(':').slice(2).join(':')),
      createdAt: Date.parse(r.createdAt),
      input: r.input,
    }))
    .sort((a, b) => a.due - b.due);
}

describe('cron schedules', () => {
  it('a 6-field every-second schedule fires once per second', async () => {
    const engine = await open({ db: tempDb(), scheduler: true });
    const t0 = Date.now();
    await engine.publish(everySecond);
    await sleep(3200);
    const elapsed = (Date.now() - t0) / 1000;
    const runs = await cronRuns(engine);
    expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    // One run per due time, due times on whole seconds one second apart, started on time.
    const dues = runs.map((r) => r.due);
    expect(new Set(dues).size).toBe(dues.length);
    for (const d of dues) expect(d % 1000).toBe(0);
    for (let i = 1; i < dues.length; i++) expect(dues[i]! - dues[i - 1]!).toBe(1000);
    for (const r of runs) expect(r.createdAt - r.due).toBeLessThan(900);
    expect(runs[0]?.input).toEqual({ source: 'cron' });
    const done = await engine.wait(runs[0]!.id);
    expect(done.output).toEqual({ source: 'cron' });
  });

  it('after a restart, runs at most one catch-up for the missed due times', async () => {
    const db = tempDb();
    const first = await Engine.open({ db, scheduler: true });
    await first.publish(everySecond);
    await sleep(1300);
    const before = (await cronRuns(first)).length;
    expect(before).toBeGreaterThanOrEqual(1);
    await first.close();

    await sleep(2500); // at least two due times go by with nobody to fire them
    const reopenedAt = Date.now();
    const second = await open({ db, scheduler: true });
    await sleep(600);
    const after = await cronRuns(second);
    const fresh = after.slice(before);
    const catchUps = fresh.filter((r) => r.due < reopenedAt - 50);
    expect(catchUps).toHaveLength(1);
    // Started at once on start, for the first missed due time.
    expect(catchUps[0]!.createdAt - reopenedAt).toBeLessThan(500);
    // No burst: besides the catch-up, only due times after the restart.
    expect(fresh.length).toBeLessThanOrEqual(2);
    const [s] = await second.store.listSchedules('default', 'tick');
    expect(s!.nextDue).toBeGreaterThan(reopenedAt);
  });

  it('two schedulers over one store fire each due time once', async () => {
    const engine = await open({ db: tempDb() });
    const claims = vi.spyOn(engine.store, 'claimDueSchedule');
    // As two workers would: both read a due schedule before either claims it.
    const read = engine.store.dueSchedules.bind(engine.store);
    vi.spyOn(engine.store, 'dueSchedules').mockImplementation(async (now, limit) => {
      const due = await read(now, limit);
      if (due.length > 0) await sleep(40);
      return due;
    });
    const schedulers: Scheduler[] = [startScheduler(engine), startScheduler(engine)];
    await engine.publish(everySecond);
    await sleep(2600);
    await Promise.all(schedulers.map((s) => s.stop()));
    const runs = await cronRuns(engine);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(4);
    expect(new Set(runs.map((r) => r.due)).size).toBe(runs.length);
    expect(schedulers[0]!.fired + schedulers[1]!.fired).toBe(runs.length);
    // Both looked at every due time; the compare-and-set let one of them fire it.
    const results = await Promise.all(claims.mock.results.map((r) => r.value as Promise<boolean>));
    expect(results.filter(Boolean)).toHaveLength(runs.length);
    expect(results.length).toBeGreaterThanOrEqual(2 * runs.length - 1);
    // Stopped schedulers fire nothing more.
    await sleep(1100);
    expect((await cronRuns(engine)).length).toBe(runs.length);
  });

  it('is off by default: schedules are kept, nothing fires', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish(everySecond);
    await sleep(1200);
    expect(await cronRuns(engine)).toEqual([]);
    expect(await engine.store.listSchedules('default', 'tick')).toHaveLength(1);
  });
});

describe('schedules in step with published workflows', () => {
  const daily = (schedule: string, extra = '') => yaml`
id: report
triggers:
  - { type: webhook, path: report }
  - { type: cron, schedule: "${schedule}", timezone: Europe/Paris${extra} }
nodes: [{ id: a, type: noop }]
`;

  it('publishing keeps an unchanged schedule, moves a changed one, drops a removed one', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish(daily('0 9 * * 1-5'));
    const [s1] = await engine.store.listSchedules('default', 'report');
    expect(s1).toMatchObject({
      triggerIndex: 1,
      schedule: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      enabled: true,
    });
    expect(
      new Date(s1!.nextDue).toLocaleString('en-GB', {
        timeZone: 'Europe/Paris',
        hour: '2-digit',
        minute: '2-digit',
      }),
    ).toBe('09:00');

    await engine.publish(daily('0 9 * * 1-5', ', input: { q: digest }'));
    const [s2] = await engine.store.listSchedules('default', 'report');
    expect(s2).toMatchObject({ id: s1!.id, nextDue: s1!.nextDue, input: { q: 'digest' } });

    await engine.publish(daily('30 7 * * *'));
    const [s3] = await engine.store.listSchedules('default', 'report');
    expect(s3!.schedule).toBe('30 7 * * *');

    await engine.publish(yaml`
id: report
nodes: [{ id: a, type: noop }]
`);
    expect(await engine.store.listSchedules('default', 'report')).toEqual([]);
  });

  it('deleting the workflow deletes its schedules', async () => {
    const engine = await open({ db: tempDb() });
    await engine.publish(daily('0 9 * * *'));
    await engine.deleteWorkflow('report');
    expect(await engine.store.listSchedules('default', 'report')).toEqual([]);
  });

  it('refuses expressions croner cannot read or that never fire', async () => {
    const engine = await open({ db: ':memory:' });
    await expect(engine.publish(daily('99 * * * *'))).rejects.toMatchObject({
      code: 'invalid_definition',
      details: [
        expect.objectContaining({
          path: 'triggers[1].schedule',
          message: expect.stringMatching(/^invalid cron schedule "99 \* \* \* \*"/),
        }),
      ],
    });
    await expect(engine.publish(daily('0 0 30 2 *'))).rejects.toMatchObject({
      details: [expect.objectContaining({ message: 'cron schedule "0 0 30 2 *" never fires' })],
    });
    expect(engine.validate(daily('99 * * * *')).ok).toBe(false);
    expect(await engine.store.listWorkflows('default')).toEqual([]);
  });
});

describe('deleted workflows', () => {
  it('a run in progress finishes on its version after its workflow is deleted', async () => {
    const engine = await open({ db: tempDb() });
    const waiting = await engine.run(yaml`
id: approval
nodes:
  - { id: ask, type: human, with: { prompt: "ok?" } }
  - { id: after, type: transform, needs: [ask], with: { expression: "ask.ok" } }
`);
    expect(waiting.status).toBe('waiting');
    expect(await engine.deleteWorkflow('approval')).toBe(true);
    await engine.input(waiting.id, 'ask', { ok: 'yes' });
    const done = await engine.wait(waiting.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe('yes');
    await expect(engine.start('approval')).rejects.toMatchObject({ code: 'not_found' });
  });
});
