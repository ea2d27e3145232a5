/**
 * @module engine/options
 * What an `Engine` is opened with, and where its store lives (the credentials' key file goes beside
 * it).
 */
import {
  WeftError,
  type Clock,
  type CredentialResolver,
  type DslLimits,
  type Logger,
  type NodeType,
  type Store,
} from '@weft/core';
import type { WorkflowResolver } from './children.js';
import type { RetentionOptions } from './sweeper.js';

export interface EngineOptions {
  /** SQLite file, or ':memory:'. Ignored when `store` is given. @default './.weft/weft.db' */
  db?: string;
  /** SQLite durability: FULL survives power loss, NORMAL survives process crashes. @default 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Where the SQLite store writes its commits: `'thread'`, a worker thread with its own connection
   * (the engine decides the next batch while one commits), or `'inline'`, the engine's own thread.
   * Ignored for `:memory:` (always inline) and when `store` is given. @default 'inline'
   */
  sqliteWriter?: 'thread' | 'inline';
  /**
   * Open the SQLite file `db` shared with other processes on this machine (`weft serve`,
   * `weft run`, `weft worker` on one file): this engine is then one of their workers, as on
   * PostgreSQL (see `worker`), and none of them holds the file alone. Its engine listens to the
   * others (a poll every 25 ms), which keeps the process running until `close()`, as a PostgreSQL
   * connection does. Not for `:memory:`. Ignored when `store` or `postgres` is given. @default false
   */
  shared?: boolean;
  /**
   * A PostgreSQL URL (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`): the engine opens its
   * store there instead of the SQLite file `db`. Ignored when `store` is given.
   */
  postgres?: string;
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
  /**
   * How deep child runs may nest: a `subworkflow` node whose child would be deeper fails with
   * `child_depth_exceeded` (a run started from outside is at depth 0). @default 32
   */
  maxChildDepth?: number;
  /**
   * Child runs one run may ask for (each `subworkflow` call and each item of a `foreach` over a
   * `workflow`; a retried run counts from 0 again): past it the node fails with
   * `child_runs_exceeded`. @default 10000
   */
  maxChildRuns?: number;
  /**
   * How many times a node's execution may die with the process (started, never reported): when
   * a restart finds that many, the node fails with `process_crashed` instead of running again,
   * so that a node that kills the process cannot stop the engine from starting. @default 3
   */
  maxNodeCrashes?: number;
  /**
   * How this engine works as one of many workers, on a store shared by many processes (one that
   * offers `cluster` ports: PostgreSQL, or a SQLite file opened `shared`). Ignored on a store for
   * one process.
   */
  worker?: WorkerOptions;
  /**
   * The longest a node test (`client.nodes.test`) may run, in ms: a node's own `timeout_ms` is
   * kept when it is shorter. @default 60000
   */
  nodeTestTimeoutMs?: number;
  /** Recover unfinished runs and fire timers. @default true */
  autoStart?: boolean;
  /** Hold the database for this process (false: read alongside another process). @default true */
  lock?: boolean;
}

export interface WorkerOptions {
  /**
   * Runs this worker carries at once, at most: a run started here past it waits `queued` for any
   * free worker. 0 makes a process that only answers (an API server beside workers). @default 64
   */
  concurrency?: number;
  /**
   * How long this worker's hold on its runs outlives its last renewal: a worker that stops (killed,
   * stalled, cut off) loses its runs to the others that long after. Renewed every third of it.
   * @default 10000
   */
  leaseMs?: number;
  /** Looks for runs that need a worker at least this often, besides the bus's wakes. @default 1000 */
  pollMs?: number;
  /**
   * Whether this worker claims runs that need one (queued runs, a dead worker's runs) and fires
   * the timers of runs it does not carry. false makes a member that carries only its own runs:
   * those it starts (with their child runs) and those an input given to this engine reaches; a
   * one-shot command beside the workers, which must not leave others' runs mid-flight when it
   * ends. Such a member never queues a run of its own for lack of room (`concurrency` does not
   * apply); a run of its own under a workflow's `concurrency:` key still waits for its key's
   * turn, and is started here (or by any worker) once the key has room. @default true
   */
  claims?: boolean;
}

export const DEFAULT_DB = './.weft/weft.db';

/** The database file the store was opened on, if it is one: the key file goes beside it. */
export function storeLocation(store: Store, options: EngineOptions): string | undefined {
  // A database on a server has no directory of this machine to keep a key file in.
  if (options.store === undefined && options.postgres !== undefined) return undefined;
  const path =
    options.store === undefined ? (options.db ?? DEFAULT_DB) : (store as { path?: unknown }).path;
  return typeof path === 'string' && path !== ':memory:' && path !== '' ? path : undefined;
}

/** The bounds that keep runaway runs from taking the engine down (see {@link EngineOptions}). */
export interface RunBounds {
  maxChildDepth: number;
  maxChildRuns: number;
  maxNodeCrashes: number;
}

const DEFAULT_BOUNDS: RunBounds = { maxChildDepth: 32, maxChildRuns: 10_000, maxNodeCrashes: 3 };

/** @throws WeftError `invalid_argument` for a bound that is not a whole number of at least 1 */
export function runBounds(options: EngineOptions): RunBounds {
  const bounds = { ...DEFAULT_BOUNDS };
  for (const key of Object.keys(DEFAULT_BOUNDS) as (keyof RunBounds)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new WeftError('invalid_argument', `${key} must be a whole number of at least 1`);
    }
    bounds[key] = v;
  }
  return bounds;
}
