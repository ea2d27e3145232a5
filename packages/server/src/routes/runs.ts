/**
 * @module routes/runs
 * Starting runs, listing them and reading one (optionally waiting for it to settle).
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  WeftError,
  type ListRunsOptions,
  type RunsApi,
  type StartRunOptions,
  type WaitOptions,
} from '@weft/core/client';
import {
  ListRunsQuery,
  RunIdParam,
  RunList,
  RunObject,
  StartBody,
  StartedRun,
  WaitQuery,
  WorkflowIdParam,
} from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { clientOf, errors, SEQ_HEADER, WAIT_HEADER, waitBound, wantsWait } from './common.js';

const waitHeader = {
  [WAIT_HEADER]: {
    description: 'With `?wait=true`: `settled`, or `timeout` when the bound cut the wait short',
    schema: { type: 'string' as const },
  },
};

const start = createRoute({
  method: 'post',
  operationId: 'startRun',
  path: '/v1/workflows/{id}/runs',
  tags: ['runs'],
  summary: 'Start a run of the latest (or a given) version of a workflow',
  request: {
    params: WorkflowIdParam,
    query: WaitQuery,
    body: { required: false, content: { 'application/json': { schema: StartBody } } },
  },
  responses: {
    201: {
      description:
        'Started: `{ id, status }` (with `replaced` when a `singleton: { mode: cancel }` key cancelled a run), or with `?wait=true` the run object once it settled or the bound passed',
      headers: waitHeader,
      content: { 'application/json': { schema: z.union([StartedRun, RunObject]) } },
    },
    200: {
      description:
        "Nothing started: the workflow's `singleton:` key is held by the unfinished run `{ id, status, skipped: true }` (with `?wait=true`, that run once it settled)",
      headers: waitHeader,
      content: { 'application/json': { schema: z.union([StartedRun, RunObject]) } },
    },
    202: {
      description:
        'Debounced: `{ id, status: queued, debounced: { due_at, joined } }`; the run is made at `due_at`. With `?wait=true`, the answer once the bound passed before the run was made (`Weft-Wait: timeout`); a run made and settled within it is answered as for any start (201, or 200 for a start that joined a burst)',
      headers: waitHeader,
      content: { 'application/json': { schema: StartedRun } },
    },
    ...errors(400, 401, 404, 413, 415, 422, 429),
  },
});

const list = createRoute({
  method: 'get',
  operationId: 'listRuns',
  path: '/v1/runs',
  tags: ['runs'],
  summary: "The tenant's runs, newest first, a page at a time",
  request: { query: ListRunsQuery },
  responses: {
    200: {
      description: 'A page of runs (without their nodes)',
      content: { 'application/json': { schema: RunList } },
    },
    ...errors(400, 401),
  },
});

const get = createRoute({
  method: 'get',
  operationId: 'getRun',
  path: '/v1/runs/{id}',
  tags: ['runs'],
  summary: 'A run, with every node; `?wait=true` waits until it ends or waits for someone',
  request: { params: RunIdParam, query: WaitQuery },
  responses: {
    200: {
      description: 'The run',
      headers: {
        ...waitHeader,
        [SEQ_HEADER]: {
          description: 'Seq of the last event',
          schema: { type: 'integer' as const },
        },
      },
      content: { 'application/json': { schema: RunObject } },
    },
    ...errors(400, 401, 404),
  },
});

/** How often a wait on a debounced start looks whether its run was made. */
const MADE_POLL_MS = 50;

/**
 * Whether the run of a debounced start is made (it exists) before the bound passes or the signal
 * aborts. A run whose start failed is never made: the wait ends with the bound.
 */
async function madeWithin(runs: RunsApi, runId: string, bound: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + (bound.timeoutMs ?? 0);
  for (;;) {
    try {
      await runs.head(runId);
      return true;
    } catch (e) {
      if (!WeftError.is(e) || e.code !== 'not_found') throw e;
    }
    const left = deadline - Date.now();
    if (left <= 0 || bound.signal?.aborted === true) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(MADE_POLL_MS, left)));
  }
}

export function runRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(start, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const b = c.req.valid('json');
    const runs = clientOf(deps, c).runs;
    const options: StartRunOptions = { input: b.input };
    if (b.version !== undefined) options.version = b.version;
    if (b.priority !== undefined) options.priority = b.priority;
    if (b.idempotency_key !== undefined) options.idempotencyKey = b.idempotency_key;
    const started = await runs.start(id, options);
    const debounced = started.debounced;
    if (debounced !== undefined && !wantsWait(q.wait)) return c.json(started, 202);
    // A start that made nothing new (a singleton's run, a burst it joined) is a 200.
    const code = started.skipped === true || debounced?.joined === true ? 200 : 201;
    if (!wantsWait(q.wait)) return c.json(started, code);
    const bound = waitBound(deps, q.timeout);
    const began = Date.now();
    // A debounced start's run is made when its burst ends: waited for within the same bound.
    if (debounced !== undefined && !(await madeWithin(runs, started.id, bound))) {
      c.header(WAIT_HEADER, 'timeout');
      return c.json(started, 202);
    }
    const left = Math.max(0, (bound.timeoutMs ?? 0) - (Date.now() - began));
    const { run, settled } = await runs.wait(started.id, { ...bound, timeoutMs: left });
    c.header(WAIT_HEADER, settled ? 'settled' : 'timeout');
    return c.json(run, code);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const options: ListRunsOptions = { limit: q.limit ?? 50 };
    if (q.workflow !== undefined) options.workflow = q.workflow;
    if (q.status !== undefined) options.status = q.status;
    if (q.cursor !== undefined) options.cursor = q.cursor;
    return c.json(await clientOf(deps, c).runs.list(options), 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const runs = clientOf(deps, c).runs;
    c.header(SEQ_HEADER, String((await runs.head(id)).seq));
    if (!wantsWait(q.wait)) return c.json(await runs.get(id), 200);
    const { run, settled } = await runs.wait(id, waitBound(deps, q.timeout));
    c.header(WAIT_HEADER, settled ? 'settled' : 'timeout');
    return c.json(run, 200);
  });
}
