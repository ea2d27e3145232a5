/**
 * @module cli/shutdown
 * How the long-running commands (`weft serve`, `weft worker`) stop: the first SIGTERM or SIGINT
 * starts a drain of at most `WEFT_DRAIN_MS` (default 10 s), a second one exits at once.
 */
import { CliError, EXIT } from './exit-codes.js';

/** Default of `WEFT_DRAIN_MS`. */
const DRAIN_MS = 10_000;

export function drainMsFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DRAIN_MS;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new CliError(
      `WEFT_DRAIN_MS must be a whole number of milliseconds, not "${value}"`,
      EXIT.invalid,
    );
  }
  return ms;
}

/**
 * Resolves at the first SIGTERM or SIGINT, once it is said on stderr; `onSignal` runs in the
 * handler itself, before anything else of the process does.
 */
export function untilStopSignal(drainMs: number, onSignal: () => void = () => {}): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`${signal}: draining (up to ${drainMs} ms)\n`);
      onSignal();
      // A second signal does not wait for the drain.
      process.once('SIGINT', () => process.exit(EXIT.failed));
      process.once('SIGTERM', () => process.exit(EXIT.failed));
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
