/**
 * @module cli/target
 * Where a command's `WeftClient` comes from. Every command is written against the client,
 * whichever of these it is:
 * - `--server URL [--key K]`: the HTTP client of that server;
 * - `--postgres URL` (or `WEFT_POSTGRES_URL`): an engine on that database, in this process, beside
 *   the workers that carry its runs (./postgres-target.ts);
 * - a process on this machine that holds `--db` alone and serves it (its URL is in the database's
 *   lock: a library user's engine): the HTTP client of that server, said on stderr;
 * - else an engine opened on `--db` in this process: `engine.client()`. To change anything it
 *   opens the file shared, as one of the processes on it (`weft serve`, `weft worker`, other
 *   commands): a run it starts is its own to carry, and it forwards inputs for runs another holds.
 *   It claims nothing (`worker.claims` false): the runs of the others, queued or left by a worker
 *   that died, stay for `weft serve` and `weft worker`, and are not dropped when the command ends.
 *   The commits of the others reach it on the file's bus: it follows runs they carry.
 */
import { existsSync } from 'node:fs';
import { httpClient } from '@weft/client';
import { WeftError } from '@weft/core';
import { Engine, type WorkflowResolver } from '@weft/engine';
import { liveLockHolder } from '@weft/store-sqlite';
import { CliError, EXIT } from './exit-codes.js';
import { openOnPostgres } from './postgres-target.js';
import type { PostgresTarget } from './store-options.js';
import type { Mode, Target } from './target-kinds.js';

export interface TargetArgs {
  db: string;
  server?: string | undefined;
  /** A PostgreSQL database many workers share, used instead of `db`. */
  postgres?: PostgresTarget;
  key?: string | undefined;
  /** The local store's durability (`weft run --sync`). @default 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
}

export type { Mode, Target };

export interface TargetOptions {
  mode: Mode;
  /** A missing database is an error (reading must not create one where a path was mistyped). */
  mustExist?: boolean;
  /** Resolves `subworkflow` references that are not stored workflows (local engine only). */
  resolveWorkflow?: WorkflowResolver;
}

/** Opens the command's target (see the module comment). */
export async function openTarget(a: TargetArgs, o: TargetOptions): Promise<Target> {
  // The key from --key, else WEFT_API_KEY (kept out of the process list).
  const key = a.key ?? process.env['WEFT_API_KEY'];
  if (a.server !== undefined) return remote(checkedUrl(a.server), key, ` --server ${a.server}`);
  if (a.postgres !== undefined) return openOnPostgres(a.postgres, o.mode);
  const holder = liveLockHolder(a.db)?.url;
  if (holder !== undefined) return viaHolder(holder, a.db, key);
  if (o.mustExist === true && a.db !== ':memory:' && !existsSync(a.db)) {
    throw new CliError(
      `no database at ${a.db} (give the one your runs are in with --db)`,
      EXIT.failed,
    );
  }
  // Readers read beside anyone; a :memory: database is this process's alone.
  const shared = o.mode !== 'read' && a.db !== ':memory:';
  let engine: Engine;
  try {
    engine = await Engine.open({
      db: a.db,
      lock: o.mode !== 'read',
      ...(shared ? { shared: true } : {}),
      autoStart: o.mode === 'run',
      ...(shared && o.mode === 'run' ? { worker: { claims: false } } : {}),
      ...(a.synchronous === undefined ? {} : { synchronous: a.synchronous }),
      // A process that carries runs on applies the workflows' own retention once, at its start.
      ...(o.mode === 'run' ? { retention: {} } : {}),
      ...(o.resolveWorkflow === undefined ? {} : { resolveWorkflow: o.resolveWorkflow }),
    });
  } catch (e) {
    // A process that took the database alone between the look above and this open.
    const url = lockedBy(e);
    if (url !== undefined) return viaHolder(url, a.db, key);
    throw e;
  }
  return {
    client: engine.client(),
    engine,
    where: '',
    inMemory: a.db === ':memory:',
    close: () => engine.close(),
  };
}

/** Opens the target, runs `body` with it, and closes it; errors say which server answered. */
export async function withTarget<T>(
  a: TargetArgs,
  o: TargetOptions,
  body: (t: Target) => Promise<T>,
): Promise<T> {
  const target = await openTarget(a, o);
  try {
    return await body(target);
  } catch (e) {
    throw explain(e, target, a);
  } finally {
    await target.close();
  }
}

function viaHolder(url: string, db: string, key: string | undefined): Target {
  process.stderr.write(`using the server at ${url} that holds ${db}\n`);
  return remote(url, key, '');
}

function remote(url: string, key: string | undefined, where: string): Target {
  return {
    client: httpClient({ url, ...(key === undefined ? {} : { key }) }),
    server: url,
    where,
    inMemory: false,
    close: async () => undefined,
  };
}

/** A server that asks for a key the user did not give: say what to pass. */
function explain(e: unknown, t: Target, a: TargetArgs): unknown {
  const noKey = a.key === undefined && process.env['WEFT_API_KEY'] === undefined;
  if (t.server !== undefined && noKey && WeftError.is(e) && e.code === 'unauthorized') {
    return new CliError(
      `the server at ${t.server} needs an API key: pass --key KEY or set WEFT_API_KEY ` +
        '(weft keys create --tenant T makes one)',
      EXIT.failed,
    );
  }
  return e;
}

function lockedBy(e: unknown): string | undefined {
  if (!WeftError.is(e) || e.code !== 'store_locked') return undefined;
  const url = (e.details as { url?: unknown } | undefined)?.url;
  return typeof url === 'string' ? url : undefined;
}

function checkedUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(
      `--server must be a URL such as http://127.0.0.1:8080, not "${server}"`,
      EXIT.invalid,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--server must be an http or https URL, not "${server}"`, EXIT.invalid);
  }
  return url.href.replace(/\/+$/, '');
}
