/**
 * @module diagnostic
 * A validation problem: what is wrong and exactly where.
 */

export interface Diagnostic {
  /** Path into the definition, e.g. `nodes[3].with.url`; empty for the whole document. */
  path: string;
  message: string;
  /** 1-based position in the source text, when the definition came from text. */
  line?: number;
  column?: number;
}

/** Formats a JS-style path from segments: ['nodes', 3, 'with', 'url'] -> `nodes[3].with.url`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
