/**
 * @module errors
 * One error class for everything Weft raises, with a closed-ish `code` and the retryability the
 * engine acts on. Errors from the outside world are normalised with {@link toWeftError}.
 */

const WEFT_ERROR = Symbol.for('weft.error');

/** Who must act on a failure: the workflow's author, the operator, or us. */
export type ErrorLevel = 'user' | 'operational' | 'unexpected';

export interface WeftErrorOptions {
  /** Retried under the node's retry policy. Default false. */
  retryable?: boolean;
  /** The server's hint (e.g. HTTP Retry-After) in ms; the engine waits at least this long. */
  retryAfterMs?: number;
  /** Extra JSON data exposed with the error (never secrets). */
  details?: unknown;
  cause?: unknown;
  level?: ErrorLevel;
}

export class WeftError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;
  readonly level: ErrorLevel;

  constructor(code: string, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeftError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.level = options.level ?? 'user';
    Object.defineProperty(this, WEFT_ERROR, { value: true });
  }

  /** Realm-safe check: works for errors thrown from other module copies or sandboxes. */
  static is(value: unknown): value is WeftError {
    return typeof value === 'object' && value !== null && WEFT_ERROR in value;
  }

  toJSON(): ErrorInfo {
    return toErrorInfo(this);
  }
}

/** The serialisable form of an error, as stored and shown (`<node>.error`). */
export interface ErrorInfo {
  code: string;
  message: string;
  retryable?: boolean;
  retry_after_ms?: number;
  details?: unknown;
}

export function toErrorInfo(error: WeftError): ErrorInfo {
  const info: ErrorInfo = { code: error.code, message: error.message };
  if (error.retryable) info.retryable = true;
  if (error.retryAfterMs !== undefined) info.retry_after_ms = error.retryAfterMs;
  if (error.details !== undefined) info.details = error.details;
  return info;
}

/** Normalises anything thrown into a WeftError. Plain errors are not retryable. */
export function toWeftError(value: unknown): WeftError {
  if (WeftError.is(value)) return value;
  if (value instanceof Error) {
    if (value.name === 'AbortError' || value.name === 'TimeoutError') {
      return new WeftError('aborted', value.message, { cause: value });
    }
    return new WeftError('node_error', value.message, { cause: value });
  }
  return new WeftError('node_error', typeof value === 'string' ? value : 'non-error value thrown', {
    details: typeof value === 'object' ? undefined : value,
  });
}
