/**
 * @module http/redact
 * Keeps credential values out of everything the node returns or logs. Servers that echo request
 * headers (debug endpoints, misconfigured proxies) would otherwise copy a secret into the run's
 * stored output or error details.
 */

/** Secrets shorter than this are not scrubbed: they would match too much ordinary text. */
export const MIN_REDACTED_LENGTH = 6;

/**
 * A text cut short (an excerpt, a shortened line) can end in the start of a secret or begin with
 * its end, which the whole secret no longer matches. A piece this long at a cut is masked too.
 */
export const MIN_PIECE_LENGTH = 8;

const MASK = '[redacted]';
/** How this package marks a cut (see `excerpt`): a piece may sit just before or after it. */
const CUT = '…';

/** The longest start of `secret` (shorter than it, at least a piece) that `text` ends with. */
function startAtEnd(text: string, secret: string): number {
  const last = text.charCodeAt(text.length - 1);
  for (let n = Math.min(secret.length - 1, text.length); n >= MIN_PIECE_LENGTH; n--) {
    if (secret.charCodeAt(n - 1) === last && text.endsWith(secret.slice(0, n))) return n;
  }
  return 0;
}

/** The longest end of `secret` (shorter than it, at least a piece) that `text` starts with. */
function endAtStart(text: string, secret: string): number {
  const first = text.charCodeAt(0);
  for (let n = Math.min(secret.length - 1, text.length); n >= MIN_PIECE_LENGTH; n--) {
    const at = secret.length - n;
    if (secret.charCodeAt(at) === first && text.startsWith(secret.slice(at))) return n;
  }
  return 0;
}

/**
 * Masks the pieces of `secret` at the cuts of `text`: its two ends, and either side of each `…`.
 * Only there: a piece in the middle of ordinary text is as likely to be a coincidence.
 */
function maskPieces(text: string, secret: string): string {
  if (secret.length <= MIN_PIECE_LENGTH || text.length < MIN_PIECE_LENGTH) return text;
  return text
    .split(CUT)
    .map((part) => {
      let out = part;
      const tail = startAtEnd(out, secret);
      if (tail > 0) out = `${out.slice(0, out.length - tail)}${MASK}`;
      const head = endAtStart(out, secret);
      if (head > 0) out = `${MASK}${out.slice(head)}`;
      return out;
    })
    .join(CUT);
}

export interface Redactor {
  /** False when there is nothing to redact, so callers can skip rebuilding values. */
  readonly active: boolean;
  /**
   * The text with every secret replaced by `[redacted]`, and every piece of one left at a cut
   * (see {@link MIN_PIECE_LENGTH}). Redact a text before cutting it: a cut can split a secret
   * anywhere, and only pieces at the text's ends or at a `…` are recognised afterwards.
   */
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
    for (const s of list) out = maskPieces(out, s);
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
