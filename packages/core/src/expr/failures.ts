/**
 * @module expr/failures
 * Turns what jsonata throws (plain objects with a `code` such as `S0201`, or JS errors) into
 * WeftErrors whose `details.position` is a 0-based offset the validator can map to line/column.
 */
import { WeftError } from '../errors.js';
import { startOf } from './ast.js';

interface JsonataError {
  code: string;
  message?: string;
  position?: number;
  token?: unknown;
}

function isJsonataError(value: unknown): value is JsonataError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    !WeftError.is(value)
  );
}

/** A parse failure of `source`, positioned `offset` characters into the enclosing text. */
export function syntaxError(error: unknown, source: string, offset = 0): WeftError {
  if (!isJsonataError(error)) return toRuntimeError(error);
  const position = offset + startOf(error.position, error.token, source.length);
  const details: { position: number; token?: string } = { position };
  if (typeof error.token === 'string') details.token = error.token;
  return new WeftError('expression_syntax', error.message ?? `syntax error (${error.code})`, {
    details,
  });
}

/** Anything thrown while evaluating, as a WeftError. */
export function toRuntimeError(error: unknown): WeftError {
  if (WeftError.is(error)) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new WeftError('expression_depth', 'expression nests too deeply: the stack ran out');
  }
  // A last line behind the size checks of ./limits.ts: V8 refusing to build a value.
  if (error instanceof RangeError && /invalid (string|array) length/i.test(error.message)) {
    return new WeftError('expression_limit', `a value grew too large: ${error.message}`, {
      details: { limit: 'v8' },
    });
  }
  if (isJsonataError(error)) {
    const details: Record<string, unknown> = { code: error.code };
    if (typeof error.position === 'number') {
      details['position'] = startOf(error.position, error.token, Number.MAX_SAFE_INTEGER);
    }
    if (typeof error.token === 'string') details['token'] = error.token;
    return new WeftError('expression_error', error.message ?? `evaluation failed (${error.code})`, {
      details,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new WeftError('expression_error', message, { cause: error });
}

/** The same error with every position moved `offset` characters on (a template part's start). */
export function shifted(error: WeftError, offset: number): WeftError {
  const details = error.details as { position?: unknown } | undefined;
  if (offset === 0 || typeof details?.position !== 'number') return error;
  return new WeftError(error.code, error.message, {
    details: { ...details, position: details.position + offset },
    cause: error.cause,
    level: error.level,
  });
}
