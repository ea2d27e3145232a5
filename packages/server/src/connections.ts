/**
 * @module connections
 * Bounds on what a client may hold of the server without sending a request. Node's defaults suit
 * a server behind a proxy that already enforces them (60 s for headers, 300 s for a request, no
 * cap on connections, and a check only every 30 s): a few hundred clients trickling headers or a
 * body, or declaring a Content-Length they never send, would hold as many sockets for minutes.
 *
 * Node's `requestTimeout` counts until the request has been *received* (its headers and body);
 * what the handler does after is not bounded by it, so event streams and `?wait=true` waits
 * (up to 5 minutes) are not cut.
 */
import type { Server, ServerOptions as HttpServerOptions } from 'node:http';
import { WeftError } from '@weft/core';

export interface ConnectionLimits {
  /** Time to receive a request's headers, in ms. @default 10000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body), in ms; at least headersTimeoutMs. @default 30000 */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests, in ms. @default 5000 */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. @default 1024 */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** The limits with defaults filled in, checked. */
export function connectionLimits(given: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new WeftError('invalid_argument', `${name} must be a positive whole number`);
    }
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    // Node refuses it too: the headers are part of the request.
    throw new WeftError(
      'invalid_argument',
      `headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed requestTimeoutMs (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** Options for `http.createServer`: the timeouts, and how often Node checks them. */
export function httpServerOptions(limits: ConnectionLimits): HttpServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks expired requests every 30 s by default, which would let a 10 s timeout run to
    // 40 s; a quarter of the shortest timeout keeps the overrun small at negligible cost.
    connectionsCheckingInterval: Math.max(
      10,
      Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)),
    ),
  };
}

/** What can only be set on the server once made (the option is ignored by older Nodes). */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
}
