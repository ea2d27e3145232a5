/**
 * @module http/retry-after
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 */

/**
 * The delay a `Retry-After` value asks for, in ms; `undefined` when absent or unreadable.
 * A date in the past gives 0.
 * @param now the current time in ms, for tests.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^[0-9]+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  // Only a date that names a day of the week or a month reads as HTTP date; Date.parse alone
  // would accept stray numbers such as "1.5" and turn them into some year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
