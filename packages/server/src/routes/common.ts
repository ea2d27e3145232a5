/**
 * @module routes/common
 * Pieces every route module uses: documented error answers, the request's client, and bounded
 * waits.
 */
import type { WaitOptions, WeftClient } from '@weft/core/client';
import { ErrorBody } from '../schemas.js';
import type { RouteDeps } from '../types.js';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Malformed request (JSON syntax, query parameters, Last-Event-ID)',
  401: 'No API key, or an unknown one',
  404: "Not found, or another tenant's",
  409: 'The run is not in a state that allows this',
  413: 'The body is larger than the limit',
  415: 'Unsupported Content-Type',
  422: 'Invalid definition, input, answer or request fields',
  429: "Rate limited: the tenant's start rate (WEFT_START_RATE) is spent for now",
  503: 'The store cannot be reached',
};

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Whole seconds until a start may be let through',
    schema: { type: 'integer' as const },
  },
};

/** OpenAPI response entries for error statuses; 401 is added to every authenticated route. */
export function errors(...statuses: number[]) {
  const out: Record<
    number,
    {
      description: string;
      headers?: Record<string, { description: string; schema: { type: 'integer' } }>;
      content: { 'application/json': { schema: typeof ErrorBody } };
    }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: DESCRIPTIONS[s] ?? 'Error',
      ...(s === 429 ? { headers: RETRY_AFTER } : {}),
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return out;
}

/** The request's client: the engine as the request's tenant sees it (tenancy is enforced there). */
export const clientOf = (deps: RouteDeps, c: { get(key: 'tenant'): string }): WeftClient =>
  deps.engine.client(c.get('tenant'));

/** A boolean query flag (`true`/`1`) is set. */
export const isTrue = (flag: string | undefined) => flag === 'true' || flag === '1';

export const wantsWait = isTrue;

/**
 * The bound of a `?wait=true`: `timeout` ms (default and cap from the limits), or the server
 * shutting down. The answer is the run as it is when the bound cuts the wait short.
 */
export function waitBound(deps: RouteDeps, timeout: number | undefined): WaitOptions {
  return {
    timeoutMs: Math.min(timeout ?? deps.limits.defaultWaitMs, deps.limits.maxWaitMs),
    signal: deps.closing,
  };
}

/** Header telling whether a `?wait=true` answer is the settled run or the bound cut it short. */
export const WAIT_HEADER = 'Weft-Wait';
/** Header with the seq of the run's last event before the request (for following from there). */
export const SEQ_HEADER = 'Weft-Event-Seq';
