/**
 * @module http/errors
 * Turns what undici, Node's sockets and DNS throw into the http node's error codes, deciding which
 * failures are worth retrying.
 */
import { WeftError } from '@weft/core/plugin';

/** The error codes the http node raises (besides those its credential resolver raises). */
export const HTTP_ERROR_CODES = [
  'invalid_url',
  'invalid_request',
  'invalid_config',
  'ssrf_blocked',
  'too_many_redirects',
  'network_error',
  'aborted',
  'http_status',
  'response_parse',
  'response_too_large',
] as const;

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

// Failures that will not heal by themselves: a name that does not exist, a certificate that is
// wrong. Retrying them only delays the error the author has to fix.
const PERMANENT = new Set([
  'ENOTFOUND',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const INVALID_REQUEST = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
]);

/** The most specific error code in an error's `cause` chain (`ECONNRESET` under `UND_ERR_SOCKET`). */
export function errorCode(error: unknown): string | undefined {
  let found: string | undefined;
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') found = code;
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

/**
 * Maps a failure to send a request or read its answer.
 * @param what e.g. `GET https://example.com/x`, for the message.
 * @param signal the node's signal: when it fired, the failure is an abort whatever undici says.
 */
export function requestError(error: unknown, what: string, signal: AbortSignal): WeftError {
  if (WeftError.is(error)) return error;
  if (signal.aborted) return abortedError(what, signal);
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && INVALID_REQUEST.has(code)) {
    return new WeftError('invalid_request', `${what}: ${message}`, {
      cause: error,
      details: { cause_code: code },
    });
  }
  return new WeftError('network_error', `${what} failed: ${message}`, {
    retryable: code === undefined || !PERMANENT.has(code),
    cause: error,
    level: 'operational',
    details: code === undefined ? undefined : { cause_code: code },
  });
}

/** The node's signal fired (timeout or cancel): retryable, the engine decides whether to. */
export function abortedError(what: string, signal: AbortSignal): WeftError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error && reason.message !== '' ? `: ${reason.message}` : '';
  return new WeftError('aborted', `${what} aborted${why}`, { retryable: true, cause: reason });
}
