/**
 * @module cli/serve-command
 * `weft serve [--port 8080] [--host 127.0.0.1] [--db PATH]`: the HTTP API on the embedded store.
 * Without API keys (WEFT_API_KEYS) the API is open, so it listens on a loopback address only.
 * SIGTERM or SIGINT drains: no new connections, live streams end, requests in flight finish, the
 * engine closes (running nodes are aborted and their runs stay resumable), exit 0.
 */
import { readFileSync } from 'node:fs';
import { envKeys, jsonLogger, logLevelFrom, startServer } from '@weft/server';
import { Engine } from '../engine.js';
import { CliError, EXIT } from './exit-codes.js';

export interface ServeArgs {
  port: string;
  host: string;
  db: string;
  postgres?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A loopback host: 127.0.0.0/8, ::1 or localhost. */
export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);

export async function serveCommand(a: ServeArgs): Promise<number> {
  if (a.postgres !== undefined) {
    throw new CliError(
      'weft serve --postgres is not available yet: use the embedded store (--db PATH)',
      EXIT.invalid,
    );
  }
  const port = Number(a.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(
      `--port must be a port number (0 to 65535; 0 picks a free one), not "${a.port}"`,
      EXIT.invalid,
    );
  }
  let keys;
  try {
    keys = envKeys(process.env['WEFT_API_KEYS']);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.invalid);
  }
  if (keys === undefined && !isLoopback(a.host)) {
    throw new CliError(
      `refusing to serve on ${a.host} without API keys: the API would be open to the network. ` +
        'Set WEFT_API_KEYS=tenant:key[,tenant:key...] or listen on 127.0.0.1',
      EXIT.invalid,
    );
  }
  const log = jsonLogger({ level: logLevelFrom(process.env['WEFT_LOG_LEVEL']) });
  const engine = await Engine.open({ db: a.db, log });
  let server;
  try {
    server = await startServer({ engine, keys, port, host: a.host, log, version: weftVersion() });
  } catch (e) {
    await engine.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(`port ${port} on ${a.host} is already in use`, EXIT.failed);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new CliError(`cannot listen on ${a.host}`, EXIT.failed);
    throw e;
  }
  if (keys === undefined) {
    process.stderr.write(
      `no API keys configured (WEFT_API_KEYS): the API is open, on ${a.host} only\n`,
    );
  }
  process.stdout.write(`listening on ${server.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`${signal}: draining\n`);
      // A second signal does not wait for the drain.
      process.once('SIGINT', () => process.exit(EXIT.failed));
      process.once('SIGTERM', () => process.exit(EXIT.failed));
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  await engine.close();
  process.stderr.write('stopped; unfinished runs carry on at the next start\n');
  return EXIT.ok;
}

function weftVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
