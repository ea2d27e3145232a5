/**
 * @module cli/runs-args
 * Checks the values of `weft runs` options before anything is opened or sent, so that a typo is
 * told the same way locally and against a server (exit 2), not as an empty list or an HTTP 400.
 */
import { RUN_STATUSES } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';

/** The largest page of `runs list`, locally and on a server. */
export const MAX_LIMIT = 1000;

export function checkRunsValues(v: { status?: string; limit?: string; after?: string }): void {
  if (v.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(v.status)) {
    throw new CliError(
      `unknown status "${v.status}"; one of ${RUN_STATUSES.join(', ')}`,
      EXIT.invalid,
    );
  }
  if (v.limit !== undefined && !wholeIn(v.limit, 1, MAX_LIMIT)) {
    throw new CliError(
      `--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${v.limit}"`,
      EXIT.invalid,
    );
  }
  if (v.after !== undefined && !wholeIn(v.after, 0, Number.MAX_SAFE_INTEGER)) {
    throw new CliError(`--after must be an event seq (0 or more), not "${v.after}"`, EXIT.invalid);
  }
}

const wholeIn = (text: string, min: number, max: number): boolean =>
  /^\d+$/.test(text.trim()) && Number(text) >= min && Number(text) <= max;
