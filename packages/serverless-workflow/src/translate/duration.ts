/**
 * @module translate/duration
 * Durations as the DSL writes them (a `wait`, a retry's `delay`), in milliseconds.
 */
import { isObj } from './types.js';

/** An SW duration (ISO 8601 text or `{ days, hours, minutes, seconds, milliseconds }`) in ms. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
    if (m === null || value === 'P' || value.endsWith('T')) return undefined;
    const [, d, h, min, s] = m;
    return (
      ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 +
      Math.round(Number(s ?? 0) * 1000)
    );
  }
  if (!isObj(value)) return undefined;
  const n = (k: string): number => (typeof value[k] === 'number' ? value[k] : 0);
  return (
    (((n('days') * 24 + n('hours')) * 60 + n('minutes')) * 60 + n('seconds')) * 1000 +
    n('milliseconds')
  );
}
