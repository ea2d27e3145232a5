import { afterAll } from 'vitest';
import { clusterContract } from '@weft/core/testing';
import { openPostgresStore } from './postgres-store.js';
import { TEST_POSTGRES_URL, TestSchemas } from './testing.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);

clusterContract('postgres', async () => {
  const schema = await schemas.create();
  return () => openPostgresStore({ url: TEST_POSTGRES_URL, schema, poolSize: 4 });
});
