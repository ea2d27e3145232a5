/**
 * @module engine/options
 * What an `Engine` is opened with, and where its store lives (the credentials' key file goes beside
 * it).
 */
import type { Clock, CredentialResolver, DslLimits, Logger, NodeType, Store } from '@weft/core';
import type { WorkflowResolver } from './children.js';
import type { RetentionOptions } from './sweeper.js';

export interface EngineOptions {
  /** SQLite file, or ':memory:'. Ignored when `store` is given. @default './.weft/weft.db' */
  db?: string;
  /** SQLite durability: FULL survives power loss, NORMAL survives process crashes. @default 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
  /** A store to use instead of opening one; the engine does not close it. */
  store?: Store;
  /** Node types to register besides the standard ones. */
  nodes?: readonly NodeType[];
  /** Tenant of everything this engine does when no tenant is given. @default 'default' */
  tenant?: string;
  clock?: Clock;
  log?: Logger;
  /**
   * Resolves nodes' credentials. @default the engine's own: `Engine.credentials`, decrypted
   * at call time.
   */
  credentials?: (tenant: string) => CredentialResolver;
  /**
   * The secret the credentials' key is derived from (at least 32 characters).
   * @default process.env.WEFT_SECRET_KEY
   */
  secretKey?: string;
  /**
   * Where the credentials' key is kept when there is no secret key: created on first need, mode
   * 0600. @default `<db>.key` for a database file; none (a key for this process only) in memory
   */
  keyFile?: string;
  /** Fire the `cron` triggers of published workflows (see `startScheduler`). @default false */
  scheduler?: boolean;
  /**
   * Delete finished runs past their workflow's `retention`, or past these bounds for workflows
   * without one: once at open, then every `everyMs`. `{}` applies the workflows' own retention
   * only. Without it nothing is deleted by itself. Needs `autoStart`.
   */
  retention?: RetentionOptions;
  /** Resolves a `subworkflow` reference that is not a stored workflow id (e.g. a file path). */
  resolveWorkflow?: WorkflowResolver;
  limits?: Partial<DslLimits>;
  /** Recover unfinished runs and fire timers. @default true */
  autoStart?: boolean;
  /** Hold the database for this process (false: read alongside another process). @default true */
  lock?: boolean;
}

export const DEFAULT_DB = './.weft/weft.db';

/** The database file the store was opened on, if it is one: the key file goes beside it. */
export function storeLocation(store: Store, options: EngineOptions): string | undefined {
  const path =
    options.store === undefined ? (options.db ?? DEFAULT_DB) : (store as { path?: unknown }).path;
  return typeof path === 'string' && path !== ':memory:' && path !== '' ? path : undefined;
}
