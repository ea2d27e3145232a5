/**
 * @module errors
 * One error class for everything Weft raises, with a `code` from the table of `error-codes.ts` and
 * the retryability the engine acts on. Errors from the outside world are normalised with
 * {@link toWeftError}.
 */
import { errorSpec, type ErrorCode, type ErrorLevel } from './error-codes.js';

const WEFT_ERROR = Symbol.for('weft.error');

/** Re-exported: the level belongs with the error class for those who import only this module. */
export type { ErrorLevel };

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

/**
 * A code of a workflow or plugin (the `fail` node's `OrderRejected`, a plugin's `quota_exceeded`):
 * branded, so that it is made on purpose with {@link customCode} and a typo in a built-in code
 * does not compile.
 */
export type CustomErrorCode = string & { readonly [CUSTOM]: true };
declare const CUSTOM: unique symbol;

/** Marks a code that is not Weft's own (see {@link CustomErrorCode}). */
export const customCode = (code: string): CustomErrorCode => code as CustomErrorCode;

/**
 * Built-in codes are checked against the table of `error-codes.ts`; any other code must come
 * through {@link customCode}. A brand rather than a second error class: everything that catches,
 * checks (`WeftError.is`) or serialises errors treats both alike, and the escape is visible where
 * it is used. Retryability and level default to the table's.
 */
export class WeftError extends Error {
  readonly code: ErrorCode | CustomErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;
  readonly level: ErrorLevel;

  constructor(code: ErrorCode | CustomErrorCode, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeftError';
    this.code = code;
    const spec = errorSpec(code);
    this.retryable = options.retryable ?? spec.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.level = options.level ?? spec.level;
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

/** Why an error happened: the failure under it (a child run's, a body node's), and its own. */
export interface ErrorCause {
  code: string;
  message: string;
  cause?: ErrorCause;
}

/** The serialisable form of an error, as stored and shown (`<node>.error`). */
export interface ErrorInfo {
  code: string;
  message: string;
  retryable?: boolean;
  retry_after_ms?: number;
  details?: unknown;
  cause?: ErrorCause;
}

/** Causes kept under an error: enough to see why, bounded so that deep nesting stays small. */
export const MAX_CAUSE_DEPTH = 5;

/** `error` as the cause of another failure, with its own causes down to {@link MAX_CAUSE_DEPTH}. */
export function causeOf(error: ErrorCause, depth = MAX_CAUSE_DEPTH): ErrorCause {
  const cause: ErrorCause = { code: error.code, message: error.message };
  if (error.cause !== undefined && depth > 1) cause.cause = causeOf(error.cause, depth - 1);
  return cause;
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
