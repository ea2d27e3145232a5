/**
 * @module serve
 * Listening: the app on Node's HTTP server (@hono/node-server), and a drain for shutdown.
 *
 * @example
 * ```ts
 * const server = await startServer({ engine, port: 8080, host: '127.0.0.1' });
 * console.log(`listening on ${server.url}`);
 * process.once('SIGTERM', async () => {
 *   // stop accepting requests, and let the nodes running now finish, both within 10 s
 *   await Promise.all([server.close(), engine.drain(10_000)]);
 *   await engine.close(); // what did not finish is carried on at the next start
 * });
 * ```
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApp, type AppOptions } from './app.js';
import {
  applyConnectionLimits,
  connectionLimits,
  httpServerOptions,
  type ConnectionLimits,
} from './connections.js';
import { Telemetry } from './telemetry.js';
import type { ApiApp } from './types.js';

export interface ServerOptions extends Omit<AppOptions, 'closing'> {
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** How long `close()` lets requests in flight finish before cutting them, in ms. @default 10000 */
  drainMs?: number;
  /**
   * Timeouts for receiving a request and a cap on open connections (see `connections.ts`); event
   * streams and `?wait=true` are not cut by them.
   */
  connections?: Partial<ConnectionLimits>;
}

export interface RunningServer {
  readonly app: ApiApp;
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, with IPv6 hosts in brackets. */
  readonly url: string;
  /** Metrics, spans and run logs of this server. */
  readonly telemetry: Telemetry;
  /**
   * Stops accepting connections, ends live event streams and `?wait=true` waits, lets other
   * requests in flight finish (up to `drainMs`), then closes. The engine is the caller's to close.
   */
  close(): Promise<void>;
  /**
   * Resolves once the node executions in flight at the call have ended, or after `ms`; true when
   * they all ended. A drain awaits it before closing the engine, which aborts what still runs.
   */
  settle(ms: number): Promise<boolean>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const closing = new AbortController();
  const telemetry =
    o.telemetry ?? new Telemetry({ engine: o.engine, ...(o.log ? { log: o.log } : {}) });
  const app = createApp({ ...o, telemetry, closing: closing.signal });
  const host = o.host ?? '127.0.0.1';
  const limits = connectionLimits(o.connections);
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: host,
    serverOptions: httpServerOptions(limits),
  }) as Server;
  applyConnectionLimits(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;

  // Requests in flight per socket. Node's closeIdleConnections() leaves sockets that never carried
  // a request (clients open them ahead of time), which would hold a drain until its cut.
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (!busy.has(socket)) return;
      busy.set(socket, left);
      if (closing.signal.aborted && left === 0) socket.destroy();
    });
  });
  const closeIdle = () => {
    for (const [socket, n] of busy) if (n === 0) socket.destroy();
  };

  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      closing.abort();
      const cut = setTimeout(() => server.closeAllConnections(), o.drainMs ?? 10_000);
      const sweep = setInterval(closeIdle, 50);
      server.close(() => {
        clearTimeout(cut);
        clearInterval(sweep);
        resolve();
      });
      closeIdle();
    }));

  return { app, host, port, url, telemetry, close, settle: (ms) => telemetry.settle(ms) };
}
