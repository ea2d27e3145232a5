/**
 * @module errors
 * The one place where errors become HTTP answers. Everything thrown in a handler goes through
 * {@link toApiError}: a WeftError's code picks the status from core's error-code table
 * (`ERROR_CODES`); hono's HTTPExceptions keep their status; anything else, and every code the table
 * gives 500, is a 500 with a generic message (the real error goes to the log, never to the client).
 *
 * Body: `{ "error": { "code", "message", "details": [ { "path", "message", "line", "column" } ] } }`.
 */
import { errorSpec, WeftError, type ErrorCode } from '@weft/core';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorDetail {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** An error with its HTTP status, ready to be sent. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** A refused event's state and the events the run accepts (state machines). */
  machine: { state: string; accepts: string[] } | undefined;
  /** When to try again, in ms: sent as `Retry-After` (whole seconds). */
  retryAfterMs: number | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterMs = undefined;
    this.machine = undefined;
  }

  /** `Retry-After` in whole seconds, at least 1, when there is a time to try again. */
  get retryAfter(): string | undefined {
    if (this.retryAfterMs === undefined) return undefined;
    return String(Math.max(1, Math.ceil(this.retryAfterMs / 1000)));
  }

  /** An error whose status comes from the error-code table. */
  static of(code: ErrorCode, message: string, details: ErrorDetail[] = []): ApiError {
    return new ApiError(errorSpec(code).status, code, message, details);
  }

  get body(): {
    error: {
      code: string;
      message: string;
      details: ErrorDetail[];
      state?: string;
      accepts?: string[];
    };
  } {
    return {
      error: { code: this.code, message: this.message, details: this.details, ...this.machine },
    };
  }
}

const HTTP_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Normalises anything thrown into an ApiError. `unexpected` is called for errors the client must
 * not see (status 500), so that they can be logged.
 */
export function toApiError(e: unknown, unexpected: (e: unknown) => void): ApiError {
  if (e instanceof ApiError) return e;
  if (WeftError.is(e)) {
    const { status } = errorSpec(e.code);
    if (status !== 500) {
      const err = new ApiError(status, e.code, e.message, detailsOf(e.details));
      if (status === 429) err.retryAfterMs = e.retryAfterMs;
      err.machine = machineOf(e.details);
      return err;
    }
  } else if (e instanceof HTTPException && e.status < 500) {
    const malformed = e.status === 400 && /json/i.test(e.message);
    const code = malformed ? 'malformed_json' : (HTTP_CODES[e.status] ?? 'bad_request');
    return new ApiError(e.status, code, e.message || code.replaceAll('_', ' '));
  }
  unexpected(e);
  return new ApiError(500, 'internal', 'internal server error');
}

/** A state-machine run's refusal of an event carries its state and the events it accepts. */
function machineOf(details: unknown): ApiError['machine'] {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  const { state, accepts } = details as Record<string, unknown>;
  if (typeof state !== 'string' || !Array.isArray(accepts)) return undefined;
  return { state, accepts: accepts.filter((a): a is string => typeof a === 'string') };
}

/** Keeps the `{ path, message, line?, column? }` entries of a WeftError's details. */
export function detailsOf(details: unknown): ErrorDetail[] {
  if (!Array.isArray(details)) return [];
  const out: ErrorDetail[] = [];
  for (const d of details as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const { path, message, line, column } = d as Record<string, unknown>;
    if (typeof message !== 'string') continue;
    const detail: ErrorDetail = { path: typeof path === 'string' ? path : '', message };
    if (typeof line === 'number') detail.line = line;
    if (typeof column === 'number') detail.column = column;
    out.push(detail);
  }
  return out;
}

/** Turns zod issues into details. */
export function zodDetails(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): ErrorDetail[] {
  return issues.map((i) => ({
    path: i.path
      .map((s) => (typeof s === 'number' ? `[${s}]` : String(s)))
      .join('.')
      .replaceAll('.[', '['),
    // zod says "Invalid input: expected string, received undefined" for a missing field.
    message: /received undefined$/.test(i.message) ? 'is required' : i.message,
  }));
}
