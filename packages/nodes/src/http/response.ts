/**
 * @module http/response
 * Reading an answer: a bounded body, plain lower-case headers, and the JSON/text decision.
 */
import { WeftError } from '@weft/core/plugin';
import type { HttpParams } from './params.js';
import type { Redactor } from './redact.js';

/** Default cap on a response body: the engine's limit on a node's output. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Reads a body, refusing to buffer more than `limit` bytes: a large or endless answer must fail
 * the node, not the worker.
 * @throws WeftError `response_too_large`
 */
export async function readBody(
  body: AsyncIterable<Uint8Array> & { destroy(): unknown },
  limit: number,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new WeftError('response_too_large', `response body exceeds ${limit} bytes`, {
        details: { limit },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Response headers as a plain object with lower-case names. Repeated headers are joined with
 * `, ` (RFC 9110 §5.3), except `set-cookie`, whose values may contain commas: it is always an array.
 */
export function plainHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  // Names are the server's: a Map, so that a header named `__proto__` is kept as an entry.
  const out = new Map<string, string | string[]>();
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name === 'set-cookie') out.set(name, Array.isArray(value) ? value : [value]);
    else out.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return Object.fromEntries(out);
}

/** True for `application/json`, `application/problem+json` and the like. */
export function isJsonType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
}

/**
 * Decodes a body as the `response` parameter asks. An empty body is `null` as JSON.
 * @param redact - applied to the error's body excerpt before it is cut.
 * @throws WeftError `response_parse` when JSON is expected and the body is not JSON.
 */
export function decodeBody(
  raw: Buffer,
  mode: HttpParams['response'],
  contentType: string | undefined,
  redact?: Redactor,
): unknown {
  const text = raw.toString('utf8');
  const json = mode === 'json' || (mode === 'auto' && isJsonType(contentType));
  if (!json) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // No `cause`: JSON.parse's message quotes the body, and details are what gets redacted.
    throw new WeftError(
      'response_parse',
      `response is not valid JSON (content-type: ${contentType ?? 'none'})`,
      {
        details: {
          content_type: contentType,
          reason: (error as Error).message,
          // Redacted before the cut: cut first, a secret split by it would no longer match.
          body_excerpt: excerpt(redact === undefined ? text : redact.text(text)),
        },
      },
    );
  }
}

/** The start of a body for error details: enough to diagnose, not enough to bloat the store. */
export function excerpt(text: string, max = 1024): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
