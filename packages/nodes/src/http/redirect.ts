/**
 * @module http/redirect
 * Redirects are followed by hand so that every hop goes back through the SSRF guard. The method
 * and header rules are the Fetch standard's.
 */
import { parseUrl, type Hop } from './request.js';

/** Redirects followed before `too_many_redirects`, as browsers and curl's default do roughly. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** True for a status that carries a `Location` to follow. */
export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * The request to send after a redirect.
 * 303 turns anything but HEAD into GET; 301/302 turn POST into GET; 307/308 keep method and body.
 * Leaving the origin drops `sensitiveHeaders`: the credential is for the host it was configured
 * for, not for whoever that host points us at.
 * @throws WeftError `invalid_url` when the location is not an http(s) URL.
 */
export function nextHop(
  hop: Hop,
  status: number,
  location: string,
  sensitiveHeaders: ReadonlySet<string>,
): Hop {
  const url = parseUrl(location, hop.url);
  const headers = { ...hop.headers };
  let { method, body } = hop;
  if (
    (status === 303 && method !== 'HEAD') ||
    ((status === 301 || status === 302) && method === 'POST')
  ) {
    method = 'GET';
    body = undefined;
    for (const h of [
      'content-type',
      'content-length',
      'content-encoding',
      'content-language',
      'content-location',
    ]) {
      delete headers[h];
    }
  }
  if (url.origin !== hop.url.origin) {
    for (const h of sensitiveHeaders) delete headers[h];
  }
  return { url, method, headers, body };
}
