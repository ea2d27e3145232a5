/**
 * @module cli/failure
 * A WeftError as the CLI tells it, the same from the engine in this process and from a server:
 * `code: message`, then each detail as a `  path: message` line (the field a script or a reader
 * looks for), and the exit code from the error-code table (SPEC section 9: 2 for what the user
 * gave, 1 for the rest).
 */
import { errorSpec } from '@weft/core/client';

/** The exit code of an error, from the one error-code table. */
export function exitCodeOf(code: string): number {
  return errorSpec(code).exit;
}

export function failureText(e: Error & { code: string; details?: unknown }): string {
  const lines = [`${e.code}: ${e.message}`];
  if (Array.isArray(e.details)) {
    for (const d of e.details as { path?: unknown; message?: unknown }[]) {
      if (typeof d?.message !== 'string') continue;
      const path = typeof d.path === 'string' && d.path !== '' ? d.path : '(body)';
      lines.push(`  ${path}: ${d.message}`);
    }
  }
  return lines.join('\n');
}
