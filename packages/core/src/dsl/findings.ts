/**
 * @module dsl/findings
 * Problems as the validator finds them: a path as segments, a severity, and enough to place them
 * in the source later. They become {@link Diagnostic}s only at the end, when positions (if any)
 * are looked up — most validations find nothing, so position lookup is paid only on failure.
 */
import type { Diagnostic } from './diagnostic.js';
import { formatPath } from './diagnostic.js';

export type Segment = string | number;
export type Path = readonly Segment[];

export interface Finding {
  path: Path;
  message: string;
  severity: 'error' | 'warning';
  /** Place the problem at the key of the last path segment rather than at its value. */
  at?: 'key' | 'value';
  /** 0-based offset into the string value at `path` (e.g. an expression's syntax error). */
  offset?: number;
  /** A position known up front (text-level errors: syntax, limits), which wins over the path's. */
  position?: { line: number; column: number };
}

/** Turns a source position lookup into diagnostics; see `positions.ts`. */
export interface Locator {
  locate(
    path: Path,
    at: 'key' | 'value',
    offset: number | undefined,
  ): { line: number; column: number } | undefined;
}

/** Collects findings; `error`/`warn` keep call sites short. */
export class Findings {
  readonly items: Finding[] = [];

  error(path: Path, message: string, extra?: { at?: 'key' | 'value'; offset?: number }): void {
    this.items.push({ path, message, severity: 'error', ...extra });
  }

  warn(path: Path, message: string, extra?: { at?: 'key' | 'value'; offset?: number }): void {
    this.items.push({ path, message, severity: 'warning', ...extra });
  }

  hasErrors(): boolean {
    return this.items.some((f) => f.severity === 'error');
  }
}

/**
 * Builds the diagnostics of one severity: deduplicated, positioned when a locator is given and,
 * then, ordered by position (document-level problems without a position first).
 */
export function toDiagnostics(
  findings: readonly Finding[],
  severity: 'error' | 'warning',
  locator?: Locator,
): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const f of findings) {
    if (f.severity !== severity) continue;
    const path = formatPath(f.path);
    const key = `${path}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const d: Diagnostic = { path, message: f.message };
    const pos = f.position ?? locator?.locate(f.path, f.at ?? 'value', f.offset);
    if (pos !== undefined) {
      d.line = pos.line;
      d.column = pos.column;
    }
    out.push(d);
  }
  if (locator !== undefined || out.some((d) => d.line !== undefined)) {
    // Array.prototype.sort is stable, so problems at one place keep the order they were found in.
    out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  }
  return out;
}
