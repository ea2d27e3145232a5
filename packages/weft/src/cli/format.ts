/**
 * @module cli/format
 * Small text helpers shared by the commands.
 */
import type { Diagnostic, ErrorInfo } from '@weft/core';

export function formatDiagnostic(file: string, d: Diagnostic): string {
  const at = d.line !== undefined ? `${file}:${d.line}:${d.column ?? 1}` : file;
  return `${at}: ${d.path === '' ? '(definition)' : d.path}: ${d.message}`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** One line of a value, cut to `max` characters. */
export function preview(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `code: message`, then the failures under it (a child run's, a body node's): ` <- code: message`. */
export function formatError(e: ErrorInfo): string {
  let text = `${e.code}: ${e.message}`;
  for (let c = e.cause; c !== undefined; c = c.cause) text += ` <- ${c.code}: ${c.message}`;
  return text;
}

/** A word as a POSIX shell reads it back: quoted when it holds anything but plain characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_.:/=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
