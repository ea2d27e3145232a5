/**
 * @module runtime/concurrency
 * The key of a run under its workflow's `concurrency:` — the value of the `key` template over the
 * run's `inputs` and `run`, scoped to the workflow: runs of one workflow with one key value take
 * turns, at most `limit` at once.
 */
import type { Plan } from '../compile/plan.js';
import { WeftError } from '../errors.js';
import { scopeOf } from './scope.js';
import type { RunState } from './state.js';

/** Longest key value kept: a key is an identity, not a payload. */
const MAX_KEY_CHARS = 512;

export interface ConcurrencyKey {
  key: string;
  limit: number;
}

/**
 * @throws WeftError `invalid_input` when the template fails, or gives no string or number, or one
 *   longer than 512 characters: the start is refused, nothing is stored.
 */
export function concurrencyKeyOf(
  plan: Plan,
  state: RunState,
  now: number,
): ConcurrencyKey | undefined {
  const c = plan.concurrency;
  if (c === undefined) return undefined;
  let value: unknown;
  try {
    value = c.key.evaluate(scopeOf(state, ''), { now });
  } catch (e) {
    throw new WeftError('invalid_input', `concurrency.key: ${(e as Error).message}`);
  }
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string' || value === '') {
    throw new WeftError(
      'invalid_input',
      `concurrency.key must give a non-empty string or a number for this input, not ${value === '' ? 'an empty string' : typeof value}`,
    );
  }
  if (value.length > MAX_KEY_CHARS) {
    throw new WeftError(
      'invalid_input',
      `concurrency.key gives ${value.length} characters: at most ${MAX_KEY_CHARS}`,
    );
  }
  return { key: `${state.meta.workflowId}/${value}`, limit: c.limit };
}
