/**
 * @module body
 * Request bodies: the size limit (413 before parsing) and the media types of definitions.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, detailsOf, type ErrorDetail } from './errors.js';
import type { ApiEnv } from './types.js';

const isJson = (contentType: string | undefined) =>
  /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType ?? '');

const tooLarge = (max: number) =>
  new ApiError(
    413,
    'payload_too_large',
    `the request body is larger than the limit of ${max} bytes`,
  );

/**
 * The rest of a refused body is never read, so the connection cannot carry another request: the
 * node adapter drops it after a short drain. `Connection: close` says so, and the client opens a
 * new connection for its next request instead of failing on this one ("other side closed").
 */
function refuse(c: Context<ApiEnv>, max: number): never {
  c.header('Connection', 'close');
  throw tooLarge(max);
}

/**
 * Refuses bodies over `max()` bytes with 413: at once when `Content-Length` says so (nothing is
 * read), else while reading, counting the bytes as they stream in. The body is then buffered
 * (at most `max` bytes) for the handler. Where `raw(path)` holds, the body is kept exactly as sent.
 * A 413 closes the connection (see {@link refuse}).
 */
export function bodyLimit(
  max: (path: string) => number,
  raw: (path: string) => boolean = () => false,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const request = c.req.raw;
    if (request.body === null || request.method === 'GET' || request.method === 'HEAD')
      return next();
    const limit = max(c.req.path);
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > limit) refuse(c, limit);
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        refuse(c, limit);
      }
      chunks.push(value);
    }
    // An empty JSON body (clients that always send the header) reads as `{}`, except where the
    // handler needs the bytes as sent (signed webhooks).
    const body =
      size === 0 && !raw(c.req.path) && isJson(request.headers.get('content-type') ?? undefined)
        ? Buffer.from('{}')
        : Buffer.concat(chunks, size);
    c.req.raw = new Request(request, { body, duplex: 'half' });
    return next();
  };
}

/** True when `text` nests arrays or objects more than `max` levels deep (strings skipped). */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      // skip a string, with its escapes
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++)
        if (text.charCodeAt(i) === 0x5c) i++;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Refuses JSON bodies nested deeper than `max` levels with 422, before they are parsed: deep
 * values would exhaust the stack of whatever walks them later (copies, schema checks).
 */
export function jsonDepthLimit(
  max: number,
  applies: (path: string) => boolean,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.req.raw.body === null || !applies(c.req.path) || !isJson(c.req.header('content-type')))
      return next();
    if (nestedDeeperThan(await c.req.text(), max)) {
      throw new ApiError(
        422,
        'invalid_request',
        `the request body is nested more than ${max} levels deep (limit maxJsonDepth = ${max})`,
      );
    }
    return next();
  };
}

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

/** The format of a definition body by its Content-Type. @throws ApiError 415 */
export function definitionFormat(contentType: string | undefined): 'json' | 'yaml' {
  const essence = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (/^application\/([\w.-]+\+)?json$/.test(essence)) return 'json';
  if (YAML_TYPES.has(essence)) return 'yaml';
  throw new ApiError(
    415,
    'unsupported_media_type',
    `send the definition as application/json or application/yaml${essence === '' ? '' : `, not ${essence}`}`,
  );
}

/**
 * Checks that a JSON body parses; else 400 `malformed_json`, with the position of the problem
 * found by `locate` (the definition parser's diagnostics).
 */
export async function checkJson(
  text: string,
  locate: () => Promise<readonly ErrorDetail[]>,
): Promise<void> {
  try {
    JSON.parse(text);
  } catch {
    throw new ApiError(
      400,
      'malformed_json',
      'the request body is not valid JSON',
      detailsOf(await locate()),
    );
  }
}
