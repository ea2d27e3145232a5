/**
 * @module routes/runs
 * Starting runs, listing them and reading one (optionally waiting for it to settle).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RunQuery, RunRecord } from '@weft/core';
import {
  ListRunsQuery,
  RunIdParam,
  RunList,
  RunObject,
  StartBody,
  StartedRun,
  WaitQuery,
  WorkflowIdParam,
  type RunSummary,
} from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import {
  boundedWait,
  errors,
  ownedRun,
  SEQ_HEADER,
  viewOf,
  WAIT_HEADER,
  wantsWait,
} from './common.js';

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
        'Started: `{ id, status }`, or with `?wait=true` the run object once it settled or the bound passed',
      headers: waitHeader,
      content: { 'application/json': { schema: z.union([StartedRun, RunObject]) } },
    },
    ...errors(400, 401, 404, 413, 415, 422),
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

export function summaryOf(r: RunRecord): RunSummary {
  const s: RunSummary = {
    id: r.id,
    workflow: r.workflowId,
    version: r.version,
    status: r.status,
    input: r.input,
    output: r.output ?? null,
    error: r.error ?? null,
    created_at: r.createdAt,
    started_at: r.startedAt ?? null,
    finished_at: r.finishedAt ?? null,
  };
  if (r.parentRunId !== undefined) s.parent_run_id = r.parentRunId;
  return s;
}

export function runRoutes(app: ApiApp, deps: RouteDeps): void {
  const { engine } = deps;

  app.openapi(start, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const b = c.req.valid('json');
    const tenant = c.get('tenant');
    const options: Parameters<typeof engine.start>[1] = { tenant, input: b.input };
    if (b.version !== undefined) options.version = b.version;
    if (b.priority !== undefined) options.priority = b.priority;
    if (b.idempotency_key !== undefined) options.idempotencyKey = b.idempotency_key;
    const started = await engine.start(id, options);
    if (!wantsWait(q.wait)) {
      return c.json({ id: started.id, status: started.status as RunObject['status'] }, 201);
    }
    const { run, settled } = await boundedWait(deps, tenant, started.id, q.timeout);
    c.header(WAIT_HEADER, settled ? 'settled' : 'timeout');
    return c.json(run, 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const query: RunQuery = { tenant: c.get('tenant'), limit: q.limit ?? 50 };
    if (q.workflow !== undefined) query.workflowId = q.workflow;
    if (q.status !== undefined) query.status = q.status;
    if (q.cursor !== undefined) query.cursor = q.cursor;
    const page = await engine.store.listRuns(query);
    const runs = page.runs.map(summaryOf);
    return c.json(page.cursor === undefined ? { runs } : { runs, cursor: page.cursor }, 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const tenant = c.get('tenant');
    const record = await ownedRun(deps, tenant, id);
    c.header(SEQ_HEADER, String(record.seq));
    if (!wantsWait(q.wait)) return c.json(await viewOf(deps, tenant, id), 200);
    const { run, settled } = await boundedWait(deps, tenant, id, q.timeout);
    c.header(WAIT_HEADER, settled ? 'settled' : 'timeout');
    return c.json(run, 200);
  });
}
