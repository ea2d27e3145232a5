/**
 * @module http
 * One request to a weft server: the API key, JSON bodies, and the API's error body
 * `{ error: { code, message, details } }` turned back into the {@link WeftError} it came from, so
 * that callers see the same codes as with the in-process client.
 */
import { WeftError, customCode, isErrorCode, type ErrorCode } from '@weft/core/client';

export interface HttpClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080` (a trailing `/` is fine). */
  url: string;
  /** An API key (`Authorization: Bearer`); none for a server without keys. */
  key?: string;
  /** @default the global fetch */
  fetch?: typeof fetch;
  /** Wait before reconnecting a live event stream. @default the server's `retry:` hint (2 s) */
  reconnectDelayMs?: number;
  /** Reconnections in a row without a new event before `events()` gives up. @default 5 */
  maxReconnects?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A raw body (definition text) with its content type. */
  body?: { text: string; type: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Codes for answers that carry no error body (a proxy, an old server). */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  409: 'invalid_state',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_request',
  429: 'rate_limited',
};

/** The WeftError an error answer stands for. */
export async function errorOf(res: Response): Promise<WeftError> {
  const body = (await res.json().catch(() => undefined)) as
    { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  const e = body?.error;
  if (typeof e?.code === 'string') {
    // The in-process client leaves details out when it has none; the API always sends a list.
    const details = Array.isArray(e.details) && e.details.length === 0 ? undefined : e.details;
    const message = typeof e.message === 'string' ? e.message : e.code;
    // A server of a later version may answer a code this client does not know: keep it as it is.
    const code = isErrorCode(e.code) ? e.code : customCode(e.code);
    return new WeftError(code, message, details === undefined ? {} : { details });
  }
  const code = CODE_BY_STATUS[res.status] ?? (res.status >= 500 ? 'unavailable' : 'bad_request');
  return new WeftError(code, `the server answered ${res.status} ${res.statusText}`.trim(), {
    retryable: res.status >= 500,
  });
}

/**
 * The request body as JSON. JSON.stringify recurses: a value nested deep enough (an input file
 * read with JSON.parse, which does not recurse) overflows the stack, which is no answer to a user.
 */
function requestJson(value: unknown, request: string): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    const why =
      e instanceof RangeError && /call stack/i.test(e.message)
        ? 'nests too deeply to be written as JSON'
        : `cannot be written as JSON: ${e instanceof Error ? e.message : String(e)}`;
    throw new WeftError('invalid_request', `the body of ${request} ${why}`);
  }
}

export class Http {
  readonly options: HttpClientOptions;
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.#base = options.url.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The answer when it is a success. @throws WeftError for error answers and unreachable servers */
  async send(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const headers = new Headers(o.headers);
    if (this.options.key !== undefined) headers.set('authorization', `Bearer ${this.options.key}`);
    let body: string | undefined;
    if (o.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = requestJson(o.json, `${method} ${path}`);
    } else if (o.body !== undefined) {
      headers.set('content-type', o.body.type);
      body = o.body.text;
    }
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    if (o.signal !== undefined) init.signal = o.signal;
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}${queryString(o.query)}`, init);
    } catch (e) {
      if (o.signal?.aborted === true) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new WeftError('unavailable', `cannot reach ${this.#base}: ${why}`, {
        cause: e,
        retryable: true,
      });
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return (await (await this.send(method, path, o)).json()) as T;
  }
}

function queryString(query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A path segment: ids never break out of their place in the URL. */
export const seg = (value: string | number) => encodeURIComponent(String(value));
