/**
 * @module start-rate
 * A tenant's start rate (`WEFT_START_RATE`, e.g. `20/s` or `1200/min`): starting a run past it is
 * answered 429 `rate_limited` with `Retry-After`. Counted in the store's rate buckets (bucket
 * `start` of each tenant), so every server on one database shares it: no window of the rate's
 * length holds more than its limit of a tenant's start requests, wherever they arrived.
 *
 * Every request to start a run counts, through the API (`POST /v1/workflows/{id}/runs`), `/mcp`
 * and webhooks, once it is the tenant's (authenticated, or a hook's signature checked); a webhook
 * redelivery that starts nothing does not.
 */
import {
  MAX_RATE_LIMIT,
  MAX_RATE_PER_MS,
  WeftError,
  parseDuration,
  type RateBuckets,
} from '@weft/core';
import type { RunsApi, WeftClient } from '@weft/core/client';

/** At most `limit` starts per tenant in any window of `perMs`. */
export interface StartRate {
  limit: number;
  perMs: number;
}

/** What the server needs of the engine for a start rate (the library's `Engine` has it). */
export type RatesFacet = Pick<RateBuckets, 'takeRateToken'>;

const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};

/**
 * Reads `LIMIT/PER`: PER a unit (`s`, `min`, `h`, `d`), an ISO 8601 duration (`PT10S`) or
 * milliseconds. `20/s`, `1200/min`, `100/PT10S`.
 * @throws WeftError `invalid_argument` naming what is wrong.
 */
export function parseStartRate(text: string): StartRate {
  const m = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  const bad = (why: string) =>
    new WeftError(
      'invalid_argument',
      `start rate "${text}": ${why}; write LIMIT/PER, e.g. 20/s, 1200/min or 100/PT10S`,
    );
  if (m === null) throw bad('not LIMIT/PER');
  const limit = Number(m[1]);
  if (limit < 1 || limit > MAX_RATE_LIMIT) throw bad(`the limit must be 1 to ${MAX_RATE_LIMIT}`);
  const per = (m[2] ?? '').toLowerCase();
  let perMs = UNITS[per];
  if (perMs === undefined) {
    try {
      perMs = Math.ceil(parseDuration(per.toUpperCase()));
    } catch {
      throw bad(`"${m[2]}" is not a unit (s, min, h, d), an ISO 8601 duration or milliseconds`);
    }
  }
  if (perMs < 1 || perMs > MAX_RATE_PER_MS)
    throw bad('the window must be above 0 and under 24 days');
  return { limit, perMs };
}

/** Text of a window for people: `1 s`, `1 min`, `250 ms`. */
function windowText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/**
 * What lets a tenant's start through, or throws WeftError `rate_limited` with `retryAfterMs`.
 */
export function startAdmission(
  rates: RatesFacet,
  rate: StartRate,
): (tenant: string) => Promise<void> {
  const window = windowText(rate.perMs);
  return async (tenant) => {
    const answer = await rates.takeRateToken({
      tenant,
      bucket: 'start',
      limit: rate.limit,
      perMs: rate.perMs,
    });
    if (answer.ok) return;
    const seconds = Math.max(1, Math.ceil(answer.waitMs / 1000));
    throw new WeftError(
      'rate_limited',
      `tenant ${tenant} may start ${rate.limit} run${rate.limit === 1 ? '' : 's'} per ${window}: try again in ${seconds} s`,
      { retryAfterMs: answer.waitMs },
    );
  };
}

/** The client whose starts (`runs.start`, `runs.run`) go through `admit` first. */
export function admittedClient(client: WeftClient, admit: () => Promise<void>): WeftClient {
  const inner = client.runs;
  const runs = new Proxy(inner, {
    get(target, key) {
      if (key === 'start' || key === 'run') {
        return async (...args: Parameters<RunsApi['start']>) => {
          await admit();
          return (target[key] as (...a: typeof args) => unknown).apply(target, args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return {
    workflows: client.workflows,
    credentials: client.credentials,
    nodes: client.nodes,
    runs,
  };
}
