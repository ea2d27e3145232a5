/**
 * @module runtime/concurrency
 * The key of a run under its workflow's `concurrency:` — the value of the `key` template over the
 * run's `inputs` and `run`, scoped to the workflow: runs of one workflow with one key value take
 * turns, at most `limit` at once. Also the keys of `singleton:` and `debounce:`, read from a
 * start's input before any run exists.
 */
import type { Plan } from '../compile/plan.js';
import { WeftError } from '../errors.js';
import { toScopeValue } from '../expr/index.js';
import type { CompiledValue } from '../expr/types.js';
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
  const value = keyValue('concurrency.key', c.key, scopeOf(state, ''), now, MAX_KEY_CHARS);
  return { key: `${state.meta.workflowId}/${value}`, limit: c.limit };
}

/** Longest `singleton` or `debounce` key value: each is a unique key in the store. */
const MAX_START_KEY_CHARS = 256;

/**
 * The value of the workflow's `singleton.key` or `debounce.key` for a start's input (the template
 * sees `inputs`, and `run.workflow` and `run.version`: the run does not exist yet).
 * @throws WeftError `invalid_input` as {@link concurrencyKeyOf}, at 256 characters.
 */
export function startKeyOf(
  field: 'singleton' | 'debounce',
  template: CompiledValue,
  start: { input: unknown; workflowId: string; version: number },
  now: number,
): string {
  const scope = Object.create(null) as Record<string, unknown>;
  scope['inputs'] = toScopeValue(start.input ?? {});
  scope['run'] = toScopeValue({ workflow: start.workflowId, version: start.version });
  return keyValue(`${field}.key`, template, scope, now, MAX_START_KEY_CHARS);
}

function keyValue(
  field: string,
  template: CompiledValue,
  scope: Record<string, unknown>,
  now: number,
  max: number,
): string {
  let value: unknown;
  try {
    value = template.evaluate(scope, { now });
  } catch (e) {
    throw new WeftError('invalid_input', `${field}: ${(e as Error).message}`);
  }
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string' || value === '') {
    throw new WeftError(
      'invalid_input',
      `${field} must give a non-empty string or a number for this input, not ${value === '' ? 'an empty string' : typeof value}`,
    );
  }
  if (value.includes('\u0000')) {
    throw new WeftError(
      'invalid_input',
      `${field} gives a value with U+0000, which no key may hold`,
    );
  }
  if (value.length > max) {
    throw new WeftError(
      'invalid_input',
      `${field} gives ${value.length} characters: at most ${max}`,
    );
  }
  return value;
}
