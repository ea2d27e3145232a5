/**
 * @module routes/common
 * Pieces every route module uses: documented error answers, the tenant check on runs, and bounded
 * waits.
 */
import type { RunRecord } from '@weft/core';
import { ApiError } from '../errors.js';
import { ErrorBody, type RunObject } from '../schemas.js';
import type { RouteDeps } from '../types.js';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Malformed request (JSON syntax, query parameters, Last-Event-ID)',
  401: 'No API key, or an unknown one',
  404: "Not found, or another tenant's",
  409: 'The run is not in a state that allows this',
  413: 'The body is larger than the limit',
  415: 'Unsupported Content-Type',
  422: 'Invalid definition, input, answer or request fields',
  429: 'Rate limited',
  503: 'The store cannot be reached',
};

/** OpenAPI response entries for error statuses; 401 is added to every authenticated route. */
export function errors(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof ErrorBody } } }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: DESCRIPTIONS[s] ?? 'Error',
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return out;
}

/** The run when it exists and belongs to `tenant`; else 404, the same as for a missing run. */
export async function ownedRun(deps: RouteDeps, tenant: string, id: string): Promise<RunRecord> {
  const run = await deps.engine.store.getRun(id);
  if (run === undefined || run.tenant !== tenant)
    throw new ApiError(404, 'not_found', `no run ${id}`);
  return run;
}

/** The run object of a run already checked with {@link ownedRun}. */
export async function viewOf(deps: RouteDeps, tenant: string, id: string): Promise<RunObject> {
  const view = await deps.engine.get(id, { tenant });
  if (view === undefined) throw new ApiError(404, 'not_found', `no run ${id}`);
  return view;
}

export const wantsWait = (wait: string | undefined) => wait === 'true' || wait === '1';

/**
 * Waits until the run ends or waits for someone, at most `timeout` ms (default and cap from the
 * limits), or until the server shuts down. `settled` is false when the bound cut the wait short.
 */
export async function boundedWait(
  deps: RouteDeps,
  tenant: string,
  id: string,
  timeout: number | undefined,
): Promise<{ run: RunObject; settled: boolean }> {
  const ms = Math.min(timeout ?? deps.limits.defaultWaitMs, deps.limits.maxWaitMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onClose: (() => void) | undefined;
  const cut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    onClose = () => resolve(undefined);
    if (deps.closing.aborted) resolve(undefined);
    else deps.closing.addEventListener('abort', onClose, { once: true });
  });
  const waiting = deps.engine.wait(id);
  // A wait that loses the race may still reject later (engine closed): nobody listens then.
  waiting.catch(() => undefined);
  try {
    const run = await Promise.race([waiting, cut]);
    if (run !== undefined) return { run, settled: true };
    return { run: await viewOf(deps, tenant, id), settled: false };
  } finally {
    clearTimeout(timer);
    if (onClose !== undefined) deps.closing.removeEventListener('abort', onClose);
  }
}

/** Header telling whether a `?wait=true` answer is the settled run or the bound cut it short. */
export const WAIT_HEADER = 'Weft-Wait';
/** Header with the seq of the run's last event before the request (for following from there). */
export const SEQ_HEADER = 'Weft-Event-Seq';
