/**
 * @module cli/serve-env
 * The connection limits of `weft serve` from the environment: `WEFT_HEADERS_TIMEOUT_MS`,
 * `WEFT_REQUEST_TIMEOUT_MS`, `WEFT_KEEP_ALIVE_TIMEOUT_MS` and `WEFT_MAX_CONNECTIONS` (defaults in
 * the server's `DEFAULT_CONNECTION_LIMITS`), and the start rate per tenant (`WEFT_START_RATE`). A
 * malformed value stops the start with exit 2 rather than leaving the server open to slow clients
 * or to a flood of starts.
 */
import { WeftError } from '@weft/core';
import {
  DEFAULT_CONNECTION_LIMITS,
  parseStartRate,
  type ConnectionLimits,
  type StartRate,
} from '@weft/server';
import { CliError, EXIT } from './exit-codes.js';

const VARIABLES: Record<keyof ConnectionLimits, string> = {
  headersTimeoutMs: 'WEFT_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'WEFT_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'WEFT_KEEP_ALIVE_TIMEOUT_MS',
  maxConnections: 'WEFT_MAX_CONNECTIONS',
};

export function connectionLimitsFrom(env: NodeJS.ProcessEnv): Partial<ConnectionLimits> {
  const limits: Partial<ConnectionLimits> = {};
  for (const [key, name] of Object.entries(VARIABLES) as [keyof ConnectionLimits, string][]) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new CliError(`${name} must be a positive whole number, not "${value}"`, EXIT.invalid);
    }
    limits[key] = n;
  }
  const h = limits.headersTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.headersTimeoutMs;
  const r = limits.requestTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.requestTimeoutMs;
  if (h > r) {
    throw new CliError(
      `WEFT_HEADERS_TIMEOUT_MS (${h}) must not exceed WEFT_REQUEST_TIMEOUT_MS (${r})`,
      EXIT.invalid,
    );
  }
  return limits;
}

/** `WEFT_START_RATE=LIMIT/PER` (`20/s`, `1200/min`), or no start rate when it is not set. */
export function startRateFrom(env: NodeJS.ProcessEnv): StartRate | undefined {
  const value = env['WEFT_START_RATE'];
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return parseStartRate(value);
  } catch (e) {
    if (WeftError.is(e)) throw new CliError(`WEFT_START_RATE: ${e.message}`, EXIT.invalid);
    throw e;
  }
}
