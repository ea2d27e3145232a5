/**
 * Retention in the engine: the sweeper applies each workflow's `retention` (or the engine-wide
 * default) at open and on its timer; unfinished runs and runs still stopping their nodes are never
 * deleted.
 */
import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Retention } from '../src/engine/retention.js';
import { defineNode, Engine, type ActiveRun, type EngineOptions } from '../src/index.js';
import { tempDb, yaml } from './helpers.js';

const DAY = 86_400_000;

let engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.close()));
  engines = [];
});

async function open(options: EngineOptions): Promise<Engine> {
  const engine = await Engine.open(options);
  engines.push(engine);
  return engine;
}

/** A clock the test moves. */
const manualClock = (start = Date.UTC(2025, 0, 1)) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};

const kept = (retention: string) => yaml`
id: kept
${retention}
nodes:
  - { id: a, type: set, with: { values: { n: 1 } } }
`;

const ask = yaml`
id: ask
retention: { days: 1 }
nodes:
  - { id: q, type: human, with: { prompt: "ok?" } }
`;

const ids = async (engine: Engine) =>
  (await engine.client().runs.list({ limit: 1000 })).runs.map((r) => r.id).sort();

describe('the retention sweeper', () => {
  it("deletes finished runs past the workflow's days at open; a waiting run stays", async () => {
    const db = tempDb();
    const clock = manualClock();
    const first = await open({ db, clock });
    const old = (await first.run(kept('retention: { days: 7 }'))).id;
    const waiting = await first.run(ask);
    expect(waiting.status).toBe('waiting');
    clock.t += 3 * DAY;
    const recent = (await first.run('kept')).id;
    await first.close();

    clock.t += 5 * DAY;
    const second = await open({ db, clock, retention: {} });
    await vi.waitFor(async () => expect(await ids(second)).toEqual([recent, waiting.id].sort()));
    expect(await second.get(old)).toBeUndefined();
  });

  it('applies the engine-wide default to workflows without their own; {} keeps forever', async () => {
    const db = tempDb();
    const first = await open({ db });
    const plain: string[] = [];
    for (let i = 0; i < 3; i++) plain.push((await first.run(kept(''))).id);
    const forever: string[] = [];
    for (let i = 0; i < 3; i++)
      forever.push((await first.run(kept('retention: {}').replace('id: kept', 'id: forever'))).id);
    await first.close();

    const second = await open({ db, retention: { runs: 1 } });
    await vi.waitFor(async () => expect(await ids(second)).toEqual([plain[2], ...forever].sort()));
  });

  it('starts only when asked, and only in an engine that carries runs on', async () => {
    const db = tempDb();
    const first = await open({ db });
    await first.run(kept('retention: { runs: 1 }'));
    await first.run('kept');
    await first.close();
    const reader = await open({ db, retention: {}, autoStart: false, lock: false });
    const quiet = await open({ db: ':memory:' });
    await new Promise((r) => setTimeout(r, 50));
    expect(await ids(reader)).toHaveLength(2);
    expect(await ids(quiet)).toHaveLength(0);
  });
});

describe('deleting runs the engine has touched', () => {
  it('deletes a run cancelled while a node ignores its signal; the node ending brings nothing back', async () => {
    let release: (() => void) | undefined;
    const stubborn = defineNode({
      type: 'stubborn',
      description: 'ignores the abort signal until released',
      params: z.object({}),
      run: () => new Promise((resolve) => (release = () => resolve({ done: true }))),
    });
    const engine = await open({ db: tempDb(), nodes: [stubborn] });
    const { id } = await engine.start(yaml`
id: stuck
nodes:
  - { id: s, type: stubborn }
`);
    await vi.waitFor(() => expect(release).toBeDefined());
    const client = engine.client();
    await expect(client.runs.delete(id)).rejects.toMatchObject({ code: 'invalid_state' });
    await engine.cancel(id);
    // Refused ("still stopping its nodes") until the engine has let go of the abandoned node.
    await vi.waitFor(() => client.runs.delete(id));
    release?.();
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(await engine.store.loadRun(id)).toBeUndefined();
    expect(await engine.store.readEvents(id, 0)).toEqual([]);
  });

  it('spares a finished run the engine still holds in memory, for a delete and a prune', async () => {
    const engine = await open({ db: tempDb() });
    const { id } = await engine.run(kept(''));
    let held = true;
    const retention = new Retention({
      store: engine.store,
      runner: { active: (runId) => (held && runId === id ? ({} as ActiveRun) : undefined) },
      clock: { now: () => Date.now() },
      log: engine.log,
    });
    await expect(retention.delete('default', id)).rejects.toMatchObject({
      code: 'invalid_state',
      message: expect.stringMatching(/still stopping its nodes/),
    });
    expect(await retention.prune({ olderThanMs: 0 })).toEqual({ deleted: 0, freedBytes: 0 });
    held = false;
    expect((await retention.prune({ olderThanMs: 0 })).deleted).toBe(1);
    expect(await engine.get(id)).toBeUndefined();
  });
});

describe('a deleted run leaves the file', () => {
  /** The database and its WAL as any reader of the files sees them. */
  const raw = (db: string) =>
    [db, `${db}-wal`]
      .map((f) => {
        try {
          return readFileSync(f).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
  const size = (db: string) =>
    [db, `${db}-wal`].reduce((n, f) => {
      try {
        return n + statSync(f).size;
      } catch {
        return n;
      }
    }, 0);

  it('through the API: gone from every answer, and from the bytes of the files', async () => {
    const db = tempDb();
    const engine = await open({ db });
    const echo = yaml`
id: echo
nodes:
  - { id: copy, type: set, with: { values: { text: "{{ inputs.text }}" } } }
`;
    const big = (marker: string) => ({ text: `${marker} ${'y'.repeat(1024 * 1024)} ${marker}` });
    const gone = await engine.run(echo, { input: big('SECRET-OF-THE-DELETED-RUN') });
    const kept = await engine.run('echo', { input: { text: 'KEPT-RUN-MARKER' } });
    expect(gone.nodes['copy']?.output).toMatchObject({ text: expect.any(String) });
    const before = size(db);
    expect(raw(db)).toContain('SECRET-OF-THE-DELETED-RUN');

    await engine.client().runs.delete(gone.id);

    expect(size(db)).toBeLessThan(before - 1024 * 1024);
    const bytes = raw(db);
    expect(bytes).not.toContain('SECRET-OF-THE-DELETED-RUN');
    expect(bytes).not.toContain(gone.id);
    expect(bytes).toContain('KEPT-RUN-MARKER');
    const runs = engine.client().runs;
    await expect(runs.get(gone.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await runs.list()).runs.map((r) => r.id)).toEqual([kept.id]);
  });
});
