/**
 * The engine on the PostgreSQL store (`Engine.open({ postgres })`): runs go through as on SQLite,
 * a taken idempotency key fails the commit with the error the Runner retries per run, and a new
 * engine on the same database finds what the first one stored (a state machine's, too).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import { openPostgresStore } from '@weft/store-postgres';
import type { Store } from '@weft/core';
import { Engine } from '../src/index.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

const KEYED = { id: 'keyed', nodes: [{ id: 's', type: 'set', with: { values: { x: 1 } } }] };

const FAN = {
  id: 'fan',
  nodes: [
    { id: 'a', type: 'set', with: { values: { x: 1 } } },
    { id: 'b', type: 'set', with: { values: { y: 2 } } },
    { id: 'sum', type: 'transform', needs: ['a', 'b'], with: { expression: 'a.x + b.y' } },
  ],
};

describe('Engine.open({ postgres })', () => {
  it('answers run() from memory with what a read gives, its commits in flight two at a time', async () => {
    const schema = await schemas.create();
    const store = await openPostgresStore({ url: schemas.urlFor(schema) });
    expect(store.commitsInFlight).toBe(2);
    // The bus tells this process of its own commits too: none of them may cost a read.
    let loads = 0;
    const counted = new Proxy(store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (key === 'loadRun' || key === 'loadRuns') loads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Store;
    const engine = await Engine.open({ store: counted, worker: { concurrency: 50 } });
    try {
      await engine.publish(FAN);
      const runs = await Promise.all(Array.from({ length: 40 }, () => engine.run('fan')));
      expect(runs.map((r) => r.output)).toEqual(runs.map(() => 3));
      expect(loads).toBe(0);
      for (const run of runs) expect(await engine.get(run.id)).toEqual(run);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('gives one run for two concurrent starts with one key, and a later engine sees it', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const engine = await Engine.open({ postgres });
    let id: string;
    try {
      await engine.publish(KEYED);
      const starts = await Promise.all([
        engine.start('keyed', { idempotencyKey: 'same' }),
        engine.start('keyed', { idempotencyKey: 'same' }),
        engine.start('keyed', { idempotencyKey: 'other' }),
      ]);
      id = starts[0].id;
      expect(starts[1].id).toBe(id);
      expect(starts[2].id).not.toBe(id);
      const run = await engine.run('keyed', { idempotencyKey: 'same' });
      expect(run).toMatchObject({ id, status: 'succeeded', output: { x: 1 } });
    } finally {
      await engine.close();
    }
    const again = await Engine.open({ postgres });
    try {
      expect((await again.store.getRun(id))?.status).toBe('succeeded');
      expect((await again.store.readEvents(id, 0)).at(-1)?.type).toBe('run.succeeded');
    } finally {
      await again.close();
    }
  });

  it('runs a state machine: its events, after timer and actions, and a later engine goes on', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const machine = {
      id: 'door',
      kind: 'state-machine',
      initial: 'closed',
      context: { opened: 0 },
      states: {
        closed: {
          on: { OPEN: { target: 'open', assign: { opened: '{{ context.opened + 1 }}' } } },
        },
        open: {
          entry: [{ id: 'note', type: 'set', with: { values: { n: '{{ context.opened }}' } } }],
          on: { CLOSE: 'closed' },
          after: { 'PT0.3S': 'gone' },
        },
        gone: { type: 'final' },
      },
    };
    const engine = await Engine.open({ postgres });
    let id: string;
    try {
      await engine.publish(machine);
      id = (await engine.start('door')).id;
      expect(await engine.wait(id)).toMatchObject({ status: 'waiting', state: 'closed' });
      await engine.send(id, { type: 'OPEN' });
      expect(await engine.wait(id)).toMatchObject({
        state: 'open',
        context: { opened: 1 },
        nodes: { 'entry[0].note': { status: 'succeeded', output: { n: 1 } } },
      });
    } finally {
      await engine.close();
    }
    const again = await Engine.open({ postgres });
    try {
      expect(await again.wait(id, { until: 'finished' })).toMatchObject({
        status: 'succeeded',
        output: { state: 'gone', context: { opened: 1 } },
      });
    } finally {
      await again.close();
    }
  });
});
