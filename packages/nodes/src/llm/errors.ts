/**
 * @module llm/errors
 * Turns what a model call throws (the OpenAI SDK's errors, the SSRF guard's, the network's) into
 * Weft errors that name the node and say whether a retry or a fallback may help.
 */
import type { APIError } from 'openai';
import { WeftError } from '@weft/core/plugin';
import { abortedError, requestError } from '../http/errors.js';
import { parseRetryAfter } from '../http/retry-after.js';

/** Which call failed, for the message. */
export interface CallSite {
  /** The node's path. */
  node: string;
  model: string;
  baseUrl: string;
}

/**
 * Maps a failed call. Retryable (and so worth a fallback): 408, 429, 5xx, timeouts, connection
 * errors other than a host that does not exist. 401/403 are `llm_auth`, never retried.
 */
export function llmError(error: unknown, site: CallSite, signal: AbortSignal): WeftError {
  const where = `${site.node}: model ${site.model} at ${site.baseUrl}`;
  if (signal.aborted) return abortedError(`${where}: call`, signal);
  const inner = weftCause(error);
  if (inner !== undefined) return prefixed(inner, where);
  if (!isApiError(error)) return prefixed(requestError(error, 'call', signal), where);
  const status = error.status;
  if (status === undefined) {
    if (error.constructor.name === 'APIConnectionTimeoutError') {
      return new WeftError('timeout', `${where}: call timed out`, {
        retryable: true,
        cause: error,
      });
    }
    return prefixed(requestError(deepest(error), 'call', signal), where);
  }
  const said = apiMessage(error);
  if (status === 401 || status === 403) {
    return new WeftError('llm_auth', `${where} refused the API key (${status}): ${said}`, {
      retryable: false,
      details: { status },
    });
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable
    ? parseRetryAfter(error.headers?.get('retry-after') ?? undefined)
    : undefined;
  return new WeftError('llm_status', `${where} answered ${status}: ${said}`, {
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    level: status >= 500 ? 'operational' : 'user',
    details: { status },
  });
}

/** A JSON answer that is not JSON, or not the schema's: the workflow's to fix. */
export function invalidOutput(node: string, problem: string): WeftError {
  return new WeftError(
    'invalid_output',
    `${node}: the answer does not match json_schema after one repair: ${problem}`,
    { retryable: false, details: { problem } },
  );
}

function isApiError(error: unknown): error is APIError {
  return error instanceof Error && 'status' in error && 'headers' in error;
}

/** The API's own error message, without the SDK's `401 ` prefix. */
function apiMessage(error: APIError): string {
  const body: { message?: unknown } | undefined = error.error;
  return typeof body?.message === 'string' ? body.message : error.message;
}

/** A WeftError under the SDK's wrapping (the guard refused, or could not resolve, the host). */
function weftCause(error: unknown): WeftError | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if (WeftError.is(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost cause, whose message says what happened (`connect ECONNREFUSED ...`). */
function deepest(error: unknown): unknown {
  let e = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (e as { cause?: unknown }).cause;
    if (!(cause instanceof Error)) break;
    e = cause;
  }
  return e;
}

function prefixed(error: WeftError, where: string): WeftError {
  return new WeftError(error.code, `${where}: ${error.message}`, {
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    details: error.details,
    level: error.level,
    cause: error.cause,
  });
}
