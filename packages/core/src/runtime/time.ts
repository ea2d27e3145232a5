/**
 * @module runtime/time
 * Durations and backoff. Pure: jitter comes from a hash of the execution's key, so the same
 * inputs always give the same delay.
 */
import { WeftError } from '../errors.js';
import type { NormalizedRetry } from '../compile/plan.js';

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [
  365 * 86_400_000,
  30 * 86_400_000,
  7 * 86_400_000,
  86_400_000,
  3_600_000,
  60_000,
  1000,
];

/** Milliseconds of an ISO 8601 duration (`PT5S`, `P7D`), a number of ms, or a string of digits. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return Number(value);
    const m = ISO_DURATION.exec(value.toUpperCase());
    if (m !== null && value.length > 1 && !value.toUpperCase().endsWith('T')) {
      return UNIT_MS.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
    }
  }
  throw new WeftError(
    'invalid_duration',
    `${JSON.stringify(value)} is not a duration: use ISO 8601 (e.g. PT30S, P1D) or milliseconds`,
  );
}

/** Epoch ms of a timestamp given as ISO 8601 text or epoch ms. */
export function parseTimestamp(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  throw new WeftError(
    'invalid_timestamp',
    `${JSON.stringify(value)} is not a timestamp (ISO 8601)`,
  );
}

/** FNV-1a: a small, stable hash for deterministic jitter. */
function hash01(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * Delay before the attempt after `failures` failed ones. With jitter the delay is spread over
 * [delay/2, delay], seeded by `seed` so that it is reproducible.
 */
export function backoffDelay(policy: NormalizedRetry, failures: number, seed: string): number {
  const base =
    policy.backoff === 'fixed'
      ? policy.initialMs
      : policy.initialMs * Math.pow(policy.multiplier, Math.max(0, failures - 1));
  const capped = Math.min(base, policy.maxMs);
  if (!policy.jitter) return Math.round(capped);
  return Math.round(capped / 2 + (capped / 2) * hash01(`${seed}#${failures}`));
}

/** A stable UUID-shaped id derived from text (for child runs that must be found again). */
export function derivedId(text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < 4; i++)
    parts.push(
      Math.floor(hash01(`${i}:${text}`) * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0'),
    );
  const hex = parts.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
