/**
 * @module sw/errors
 * Serverless Workflow errors (`type`, `status`, `title`, `detail`, `instance`) as Weft errors,
 * and Weft's errors as SW errors, so that a `catch` matches either.
 */
import { customCode, WeftError } from '@weft/core/plugin';

/** The error types of the DSL, under https://serverlessworkflow.io/spec/1.0.0/errors/. */
export const ERROR_TYPES_BASE = 'https://serverlessworkflow.io/spec/1.0.0/errors/';

export interface SwError {
  type: string;
  status: number;
  title?: string;
  detail?: string;
  instance?: string;
}

/** A Weft error carrying an SW error: code `sw.<last segment of its type>`, details the error. */
export function swError(error: SwError, retryable = false): WeftError {
  const last = /([A-Za-z][A-Za-z0-9_.-]{0,90})\/?$/.exec(error.type)?.[1] ?? 'error';
  return new WeftError(
    customCode(`sw.${last}`),
    error.title ?? error.detail ?? `${error.type} (${error.status})`,
    { details: error, retryable },
  );
}

/** A Weft error (as a node's scope shows it) as an SW error. */
export function asSwError(info: unknown, instance: string | undefined): SwError {
  const i = (typeof info === 'object' && info !== null ? info : {}) as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
  };
  const d = (typeof i.details === 'object' && i.details !== null ? i.details : {}) as Record<
    string,
    unknown
  >;
  if (typeof d['type'] === 'string' && d['status'] !== undefined) return d as unknown as SwError;
  const code = typeof i.code === 'string' ? i.code : 'failed';
  const kind = code.startsWith('expression_')
    ? 'expression'
    : code === 'timeout'
      ? 'timeout'
      : code === 'http_status' || code === 'network_error'
        ? 'communication'
        : code === 'invalid_params' || code === 'invalid_input'
          ? 'validation'
          : 'runtime';
  return {
    type: `${ERROR_TYPES_BASE}${kind}`,
    status: typeof d['status'] === 'number' ? d['status'] : kind === 'timeout' ? 408 : 500,
    title: code,
    ...(typeof i.message === 'string' ? { detail: i.message } : {}),
    ...(instance === undefined ? {} : { instance }),
  };
}
