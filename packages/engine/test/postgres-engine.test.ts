/**
 * The engine on the PostgreSQL store (`Engine.open({ postgres })`): runs go through as on SQLite,
 * a taken idempotency key fails the commit with the error the Runner retries per run, and a new
 * engine on the same database finds what the first one stored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TestSchemas } from '@weft/store-postgres/testing';
import { Engine } from '../src/index.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

const KEYED = { id: 'keyed', nodes: [{ id: 's', type: 'set', with: { values: { x: 1 } } }] };

describe('Engine.open({ postgres })', () => {
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
});
