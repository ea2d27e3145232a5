/**
 * The cluster ports' fencing property (`@weft/core/testing`) on PostgreSQL.
 */
import { afterAll, beforeAll } from 'vitest';
import { fencingPropertyCase } from '@weft/core/testing';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';
import { TEST_POSTGRES_URL, TestSchemas } from './testing.js';

const schemas = new TestSchemas();
let store: PostgresStore;
beforeAll(async () => {
  store = await openPostgresStore({
    url: TEST_POSTGRES_URL,
    schema: await schemas.create(),
    poolSize: 4,
  });
  await store.migrate();
});
afterAll(async () => {
  await store.close();
  await schemas.dropAll();
}, 120_000);

fencingPropertyCase(() => store);
