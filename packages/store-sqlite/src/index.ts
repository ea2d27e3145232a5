/**
 * @module @weft/store-sqlite
 * Weft's embedded store: the core's `Store` on one SQLite file (WAL), or `:memory:` for tests.
 *
 * @example
 * ```ts
 * import { openSqliteStore } from '@weft/store-sqlite';
 * const store = await openSqliteStore({ path: '.weft/weft.db' });
 * await store.migrate();
 * ```
 */
export {
  openSqliteStore,
  SqliteStore,
  type SqliteStoreOptions,
  type SqlitePragmas,
} from './sqlite-store.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { lockHolder, liveLockHolder, type LockHolder } from './lock.js';
export { checkDatabaseFile, type DatabaseCheck } from './doctor.js';
export { WEFT_APPLICATION_ID } from './identity.js';
export { isStorageFault } from './storage-errors.js';
