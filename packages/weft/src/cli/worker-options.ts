/**
 * @module cli/worker-options
 * `weft worker --concurrency N`, checked before anything is loaded or opened (exit 2).
 */
import { CliError, EXIT } from './exit-codes.js';

/** Runs a worker carries at once when `--concurrency` is not given. */
export const DEFAULT_CONCURRENCY = 64;

/** `--concurrency`: a whole number of runs, 1 or more. */
export function concurrencyFrom(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(
      `--concurrency must be a whole number of runs, 1 or more, not "${value}"`,
      EXIT.invalid,
    );
  }
  return n;
}
