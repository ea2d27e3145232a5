/**
 * @module sw/call
 * What `sw.http` and `sw.openapi` share: endpoints and authentication as the DSL writes them,
 * one request sent through the `http` node (so its SSRF guard and limits hold), and the output
 * in the format the task asks for.
 */
import { WeftError, type NodeContext } from '@weft/core/plugin';
import { z } from 'zod';
import { createHttpNode } from '../http/index.js';
import { httpParams, type HttpParams } from '../http/params.js';
import { evaluateValue, RAW_TASK_PATHS, taskParams } from './data.js';
import { ERROR_TYPES_BASE, swError } from './errors.js';

/** A value as text in a URL or header: strings as they are, the rest as JSON. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const http = createHttpNode();

const authSchema = z
  .object({
    basic: z.object({ username: z.unknown(), password: z.unknown() }).optional(),
    bearer: z.object({ token: z.unknown() }).optional(),
  })
  .loose();

export const endpointSchema = z.union([
  z.string(),
  z.object({ uri: z.string(), authentication: authSchema.optional() }).loose(),
]);

const outputFormat = z.enum(['content', 'response', 'raw']).default('content');

/** `{name}` in a URI, from the top-level fields of the task's input. */
export function interpolateUri(uri: string, input: unknown, vars: Record<string, unknown>): string {
  const expr = /^\s*\$\{/.test(uri) ? evaluateValue(uri, input, vars) : uri;
  if (typeof expr !== 'string') throw new WeftError('invalid_params', 'the endpoint is not a URI');
  const data =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  return expr.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, name: string) => {
    const v = data[name];
    return v === undefined || v === null ? whole : encodeURIComponent(text(v));
  });
}

export function authHeaders(
  auth: unknown,
  input: unknown,
  vars: Record<string, unknown>,
): Record<string, string> {
  const a = authSchema.safeParse(evaluateValue(auth ?? {}, input, vars));
  if (!a.success) return {};
  if (a.data.basic !== undefined) {
    const pair = `${text(a.data.basic.username)}:${text(a.data.basic.password)}`;
    return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
  }
  if (a.data.bearer !== undefined) return { authorization: `Bearer ${text(a.data.bearer.token)}` };
  return {};
}

export interface Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}

/** One request through the `http` node (its SSRF guard, limits, redirects); SW errors out. */
export async function send(ctx: NodeContext, r: Request, instance: string | undefined) {
  const params: HttpParams = httpParams.parse({
    method: r.method.toUpperCase(),
    url: r.url,
    headers: r.headers,
    query: r.query,
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  try {
    return (await http.run!(ctx, params)) as {
      status: number;
      headers: Record<string, unknown>;
      body: unknown;
    };
  } catch (e) {
    if (!WeftError.is(e)) throw e;
    const details = (e.details ?? {}) as { status?: unknown };
    const status = typeof details.status === 'number' ? details.status : undefined;
    if (e.code === 'ssrf_blocked' || e.code === 'invalid_url') throw e;
    // Retried (by a catch's retry policy) as the http node would be: 408, 429, 5xx, network.
    throw swError(
      {
        type: `${ERROR_TYPES_BASE}communication`,
        status: status ?? 500,
        title: 'Communication Error',
        detail: e.message,
        ...(instance === undefined ? {} : { instance }),
      },
      e.retryable,
    );
  }
}

export function shape(
  format: z.infer<typeof outputFormat>,
  request: Request,
  answer: { status: number; headers: Record<string, unknown>; body: unknown },
): unknown {
  if (format === 'content') return answer.body;
  if (format === 'raw')
    return Buffer.from(
      typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
    ).toString('base64');
  return {
    request: {
      method: request.method.toUpperCase(),
      uri: request.url,
      // The output is stored and shown: the credentials sent are not.
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) =>
          k.toLowerCase() === 'authorization' ? [k, '[redacted]'] : [k, v],
        ),
      ),
    },
    statusCode: answer.status,
    headers: answer.headers,
    content: answer.body,
  };
}

export const stringMap = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, text(x)]))
    : {};

/** The parameters of a call node: the task's, its `with` (`fields` and `output`), its reference. */
export function callParams<F extends z.ZodRawShape>(fields: F) {
  return z.strictObject({
    ...taskParams,
    with: z.looseObject({ ...fields, output: outputFormat }),
    instance: z.string().optional(),
  });
}

/** A call's `with` is kept verbatim: its `${ }` are evaluated by the node, on the task's input. */
export const CALL_RAW_PATHS = [...RAW_TASK_PATHS, 'with'];
