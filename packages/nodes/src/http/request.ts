/**
 * @module http/request
 * Builds the first request from the node's parameters: URL with query, headers with the
 * idempotency key and the credential, and the encoded body.
 */
import type { Credential } from '@weft/core/plugin';
import { WeftError } from '@weft/core/plugin';
import type { HttpParams } from './params.js';

/** One request to send: the first one, or a redirect hop. Header names are lower-case. */
export interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The first hop, plus what must be protected across redirects and scrubbed from output. */
export interface BuiltRequest {
  hop: Hop;
  /** Headers dropped when a redirect leaves the origin (the credential's among them). */
  sensitiveHeaders: Set<string>;
  /** Credential values to redact from output, errors and logs. */
  secrets: string[];
}

/** Builds the first hop. @throws WeftError `invalid_url`, `invalid_request`. */
export function buildRequest(
  p: HttpParams,
  idempotencyKey: string,
  credential?: Credential,
): BuiltRequest {
  const url = parseUrl(p.url);
  for (const [name, value] of Object.entries(p.query)) {
    for (const v of Array.isArray(value) ? value : [value])
      url.searchParams.append(name, String(v));
  }

  // Some APIs (GitHub's among them) refuse requests without a User-Agent.
  const headers: Record<string, string> = {
    'idempotency-key': idempotencyKey,
    'user-agent': 'weft',
  };
  // User headers may override both: some APIs want their own key format.
  for (const [name, value] of Object.entries(p.headers))
    headers[name.toLowerCase()] = String(value);

  const sensitiveHeaders = new Set(['authorization', 'proxy-authorization', 'cookie']);
  const secrets: string[] = [];
  if (credential) {
    const [name, value, values] = credentialHeader(credential);
    headers[name] = value;
    sensitiveHeaders.add(name);
    secrets.push(...values);
  }

  const body = encodeBody(p.body, headers);
  return { hop: { url, method: p.method, headers, body }, sensitiveHeaders, secrets };
}

/**
 * Parses a URL the way the SSRF guard will see it.
 * @throws WeftError `invalid_url`, also for user:password in the URL: it would put a secret in the
 *   workflow definition and in every log line that names the URL; use a `basic` credential.
 */
export function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new WeftError('invalid_url', `"${text}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WeftError(
      'invalid_url',
      `${url.protocol.slice(0, -1)}: URLs are not supported; use http or https`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new WeftError(
      'invalid_url',
      'credentials in the URL are not supported; use a `credential`',
    );
  }
  return url;
}

/**
 * How a body is sent. No body: nothing. A string with a content-type header: as is. An object with
 * `application/x-www-form-urlencoded`: form-encoded. Anything else: JSON, with content-type
 * `application/json` unless one is set.
 */
export function encodeBody(body: unknown, headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  const type = headers['content-type'];
  if (typeof body === 'string' && type !== undefined) return body;
  if (type?.toLowerCase().startsWith('application/x-www-form-urlencoded') && isRecord(body)) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) {
      for (const x of Array.isArray(v) ? v : [v])
        form.append(k, typeof x === 'string' ? x : JSON.stringify(x));
    }
    return form.toString();
  }
  headers['content-type'] ??= 'application/json';
  return JSON.stringify(body);
}

/**
 * The header a credential is sent in, its value, and the secret strings to redact.
 * @throws WeftError `invalid_request` for a type that is no header (none yet) or a bad header name.
 */
export function credentialHeader(c: Credential): [name: string, value: string, secrets: string[]] {
  switch (c.type) {
    case 'bearer':
      return ['authorization', `Bearer ${c.value}`, [c.value]];
    case 'openai':
      return ['authorization', `Bearer ${c.api_key}`, [c.api_key]];
    case 'basic': {
      const b64 = Buffer.from(`${c.username}:${c.password}`).toString('base64');
      return ['authorization', `Basic ${b64}`, [b64, c.password]];
    }
    case 'header': {
      const name = c.name.toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
        throw new WeftError(
          'invalid_request',
          `credential header name "${c.name}" is not a valid header name`,
        );
      }
      return [name, c.value, [c.value]];
    }
    default:
      throw new WeftError(
        'invalid_request',
        `credential type "${(c as { type: string }).type}" cannot be sent by the http node`,
      );
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
