/**
 * @module http/redact
 * Keeps credential values out of everything the node returns or logs. Servers that echo request
 * headers (debug endpoints, misconfigured proxies) would otherwise copy a secret into the run's
 * stored output or error details.
 */

/** Secrets shorter than this are not scrubbed: they would match too much ordinary text. */
export const MIN_REDACTED_LENGTH = 6;

const MASK = '[redacted]';

export interface Redactor {
  /** False when there is nothing to redact, so callers can skip rebuilding values. */
  readonly active: boolean;
  /** The text with every secret replaced by `[redacted]`. */
  text(value: string): string;
  /** A copy of a JSON value with secrets replaced in every string, keys included. */
  value(value: unknown): unknown;
}

/** Builds a redactor for the given secret strings. */
export function createRedactor(secrets: readonly string[]): Redactor {
  const list = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length);
  const text = (value: string): string => {
    let out = value;
    for (const s of list) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
    }
    return v;
  };
  return { active: list.length > 0, text, value: list.length === 0 ? (v) => v : walk };
}
