/**
 * @module cli/serve-command
 * `weft serve [--port 8080] [--host 127.0.0.1] [--db PATH | --postgres URL]`: the HTTP API on the
 * embedded store or on PostgreSQL (`--postgres`, or `WEFT_POSTGRES_URL`), with the cron scheduler,
 * credentials, webhooks, `/metrics`, OpenTelemetry spans and JSON logs. Its engine is one worker
 * among those on the database (`weft worker`, ./worker-command.ts): on PostgreSQL, and on a SQLite
 * file, which it opens shared with the other processes of this machine that use it (`weft run`,
 * `weft worker`, other commands).
 *
 * `WEFT_START_RATE` (`20/s`, `1200/min`) caps each tenant's starts across every server on the
 * database (429 with `Retry-After` past it).
 *
 * API keys come from `WEFT_API_KEYS` and from `weft keys create` (stored hashed, read at each
 * request, so a key made while the server runs works at once). With neither, the API is open, so
 * it listens on a loopback address only, and says so. With keys, it warns when tenant `default`
 * (the open mode's) holds data that no key reaches, naming `weft tenants move`.
 *
 * SIGTERM or SIGINT drains, within `WEFT_DRAIN_MS` (default 10 s): the scheduler stops, the server
 * stops accepting connections (live streams and waits end, requests in flight finish), the nodes
 * running at the signal may finish; then the engine closes (what still runs is aborted and its run
 * stays resumable), exit 0. A second signal exits at once.
 */
import { readFileSync } from 'node:fs';
import { WeftError } from '@weft/core';
import { jsonLogger, logLevelFrom, startServer } from '@weft/server';
import { Engine } from '@weft/engine';
import { keyResolver, parseApiKeys } from '@weft/engine';
import { startScheduler } from '@weft/engine';
import { PostgresStore } from '@weft/store-postgres';
import { SqliteStore } from '@weft/store-sqlite';
import { consoleDirFrom } from './console-dir.js';
import { CliError, EXIT } from './exit-codes.js';
import { warnAboutOpenTenant } from './open-tenant-warning.js';
import { connectionLimitsFrom, startRateFrom } from './serve-env.js';
import { drainMsFrom, untilStopSignal } from './shutdown.js';
import { retentionDaysFrom, syncFrom } from './store-options.js';

export interface ServeArgs {
  port: string;
  host: string;
  db: string;
  /** A PostgreSQL URL, already checked (see `postgresFrom`): used instead of `db`. */
  postgres?: string;
  /** `--sync full|normal` (else WEFT_SYNC). */
  sync?: string;
  /** `--retention-days N` (else WEFT_RETENTION_DAYS). */
  retentionDays?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A loopback host: 127.0.0.0/8, ::1 or localhost. */
export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);

const truthy = (value: string | undefined) =>
  value !== undefined && /^(1|true|yes)$/i.test(value.trim());

export async function serveCommand(a: ServeArgs): Promise<number> {
  const port = Number(a.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(
      `--port must be a port number (0 to 65535; 0 picks a free one), not "${a.port}"`,
      EXIT.invalid,
    );
  }
  const env = process.env;
  const drainMs = drainMsFrom(env['WEFT_DRAIN_MS']);
  const connections = connectionLimitsFrom(env);
  const startRate = startRateFrom(env);
  const synchronous = syncFrom(a.sync, env);
  const days = retentionDaysFrom(a.retentionDays, env);
  try {
    // Before anything is opened: a malformed WEFT_API_KEYS stops the start.
    parseApiKeys(env['WEFT_API_KEYS']);
  } catch (e) {
    if (WeftError.is(e)) throw new CliError(e.message, EXIT.invalid);
    throw e;
  }
  const log = jsonLogger({ level: logLevelFrom(env['WEFT_LOG_LEVEL']) });
  const engine = await Engine.open({
    ...(a.postgres === undefined
      ? { db: a.db, ...(a.db === ':memory:' ? {} : { shared: true }) }
      : { postgres: a.postgres }),
    log,
    synchronous,
    retention: days === undefined ? {} : { days },
  });
  if (engine.store instanceof SqliteStore) {
    const p = engine.store.pragmas;
    log.info(
      {
        database: a.db,
        synchronous: p.synchronous,
        journal_mode: p.journal_mode,
        retention_days: days,
      },
      `store opened: synchronous=${p.synchronous} (${p.synchronous === 'FULL' ? 'a committed run survives power loss' : 'survives a process crash; the last commits may be lost on power loss'})`,
    );
  } else if (engine.store instanceof PostgresStore) {
    log.info(
      { database: engine.store.label, retention_days: days },
      `store opened: PostgreSQL at ${engine.store.label}`,
    );
    if (env['WEFT_SECRET_KEY'] === undefined) {
      log.warn(
        {},
        'WEFT_SECRET_KEY is not set: credentials stored now are encrypted with a key of this process only and cannot be read after a restart; set WEFT_SECRET_KEY',
      );
    }
  }
  let scheduler;
  let server;
  let open: boolean;
  try {
    const keys = keyResolver(engine, env);
    open = !(await keys.configured());
    if (open && !isLoopback(a.host)) {
      throw new CliError(
        `refusing to serve on ${a.host} without API keys: the API would be open to the network. ` +
          'Set WEFT_API_KEYS=tenant:key[,tenant:key...], or create one with weft keys create --tenant T, or listen on 127.0.0.1',
        EXIT.invalid,
      );
    }
    server = await startServer({
      engine,
      keys: open ? undefined : keys,
      port,
      host: a.host,
      log,
      drainMs,
      connections,
      metricsPublic: truthy(env['WEFT_METRICS_PUBLIC']),
      ...(startRate === undefined ? {} : { startRate }),
      version: weftVersion(),
      consoleDir: consoleDirFrom(env),
    });
    scheduler = startScheduler(engine);
  } catch (e) {
    await engine.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(`port ${port} on ${a.host} is already in use`, EXIT.failed);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new CliError(`cannot listen on ${a.host}`, EXIT.failed);
    throw e;
  }
  if (open) {
    process.stderr.write(
      `no API keys configured (WEFT_API_KEYS or weft keys create): the API is open, on ${a.host} only\n`,
    );
  } else {
    const storeFlag =
      engine.store instanceof PostgresStore ? `--postgres ${engine.store.label}` : `--db ${a.db}`;
    await warnAboutOpenTenant(engine, env, storeFlag, log);
  }
  process.stdout.write(`listening on ${server.url}\n`);

  await untilStopSignal(drainMs);
  await scheduler.stop();
  const [, finished] = await Promise.all([server.close(), engine.drain(drainMs)]);
  if (!finished) {
    process.stderr.write(
      `nodes still running after ${drainMs} ms are stopped; their runs are carried on by the other processes on the database, or at the next start\n`,
    );
  }
  await engine.close();
  server.telemetry.stop();
  process.stderr.write(
    'stopped; unfinished runs are carried on by the other processes on the database, or at the next start\n',
  );
  return EXIT.ok;
}

function weftVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
