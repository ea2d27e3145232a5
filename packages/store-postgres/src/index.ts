/**
 * @module @weft/store-postgres
 * Weft's store on PostgreSQL: the core's `Store` in a schema of a PostgreSQL database, passing the
 * same contract suite as the embedded SQLite store.
 *
 * @example
 * ```ts
 * import { openPostgresStore } from '@weft/store-postgres';
 * const store = await openPostgresStore({ url: process.env.WEFT_POSTGRES_URL! });
 * await store.migrate();
 * ```
 */
export { openPostgresStore, PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { redactUrl } from './connect.js';
export { checkPostgresDatabase, type PostgresCheck } from './doctor.js';
