/**
 * @module runtime/refusal
 * Moves a run's state does not allow: pausing a finished run, answering a node that is not waiting.
 * `decide` throws them before it changes anything, so the shell hands them to the caller and keeps
 * the run as it is. Anything else `decide` throws may have left the state half-changed, and the
 * shell must not go on from it (see `runtime/runner` in the engine).
 */
import { WeftError } from '../errors.js';

const refusals = new WeakSet<WeftError>();

/** An error for a move the run refuses, thrown before the decision changed anything. */
export function refusal(
  code: 'invalid_state' | 'not_found',
  message: string,
  details?: Record<string, unknown>,
): WeftError {
  const e = new WeftError(code, message, details === undefined ? undefined : { details });
  refusals.add(e);
  return e;
}

/** True for an error made by {@link refusal}: the run's state is as it was before the input. */
export function isRefusal(error: unknown): boolean {
  return error instanceof WeftError && refusals.has(error);
}
