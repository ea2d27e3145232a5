/**
 * @module routes/control
 * Steering a run: pause, resume, cancel, retry, answering a human node, and events for
 * state-machine runs. Every call first checks that the run is the tenant's; an illegal move
 * (resume a run that is not paused ...) is a 409 and changes nothing.
 */
import { createRoute, type z } from '@hono/zod-openapi';
import type { RunsApi, RunView } from '@weft/core/client';
import {
  CancelBody,
  InputBody,
  RetryBody,
  RunIdParam,
  RunObject,
  SendEventBody,
} from '../schemas.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { clientOf, errors, SEQ_HEADER } from './common.js';

const seqHeader = {
  [SEQ_HEADER]: {
    description: "Seq of the run's last event before this call: follow the run from there",
    schema: { type: 'integer' as const },
  },
};

const controlResponses = (statuses: number[]) => ({
  200: {
    description: 'The run after the change',
    headers: seqHeader,
    content: { 'application/json': { schema: RunObject } },
  },
  ...errors(...statuses),
});

/** A lifecycle move without a body. */
const bare = (operationId: string, path: string, summary: string) =>
  createRoute({
    method: 'post',
    operationId,
    path,
    tags: ['runs'],
    summary,
    request: { params: RunIdParam },
    responses: controlResponses([401, 404, 409]),
  });

/** A lifecycle move with an optional JSON body. */
const withBody = <B extends z.ZodType>(
  operationId: string,
  path: string,
  summary: string,
  body: B,
) =>
  createRoute({
    method: 'post',
    operationId,
    path,
    tags: ['runs'],
    summary,
    request: {
      params: RunIdParam,
      body: { required: false, content: { 'application/json': { schema: body } } },
    },
    responses: controlResponses([400, 401, 404, 409, 413, 415, 422]),
  });

const pause = bare(
  'pauseRun',
  '/v1/runs/{id}/pause',
  'Pause: no new node starts; running ones finish',
);
const resume = bare('resumeRun', '/v1/runs/{id}/resume', 'Resume a paused run');
const cancel = withBody(
  'cancelRun',
  '/v1/runs/{id}/cancel',
  'Cancel: running nodes are aborted',
  CancelBody,
);
const retry = withBody(
  'retryRun',
  '/v1/runs/{id}/retry',
  'Retry a failed or cancelled run (succeeded nodes keep their outputs), or re-run from a node on',
  RetryBody,
);

const input = createRoute({
  method: 'post',
  operationId: 'answerRun',
  path: '/v1/runs/{id}/input',
  tags: ['runs'],
  summary: 'Answer a waiting human node',
  request: {
    params: RunIdParam,
    body: { required: true, content: { 'application/json': { schema: InputBody } } },
  },
  responses: {
    200: {
      description: 'The run after the answer',
      headers: seqHeader,
      content: { 'application/json': { schema: RunObject } },
    },
    ...errors(400, 401, 404, 409, 413, 415, 422),
  },
});

const sendEvent = createRoute({
  method: 'post',
  operationId: 'sendRunEvent',
  path: '/v1/runs/{id}/events',
  tags: ['runs'],
  summary: 'Send an event to a state-machine run',
  request: {
    params: RunIdParam,
    body: { required: true, content: { 'application/json': { schema: SendEventBody } } },
  },
  responses: {
    200: {
      description: 'The run after the event',
      content: { 'application/json': { schema: RunObject } },
    },
    ...errors(400, 401, 404, 409, 413, 415, 422),
  },
});

export function controlRoutes(app: ApiApp, deps: RouteDeps): void {
  /** Notes the seq before the move (the client checks the tenant), makes it, answers the run. */
  const steer = async (
    c: { get(k: 'tenant'): string; header(name: string, value: string): void },
    id: string,
    move: (runs: RunsApi) => Promise<RunView>,
  ) => {
    const runs = clientOf(deps, c).runs;
    c.header(SEQ_HEADER, String((await runs.head(id)).seq));
    return move(runs);
  };

  app.openapi(pause, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await steer(c, id, (runs) => runs.pause(id)), 200);
  });

  app.openapi(resume, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await steer(c, id, (runs) => runs.resume(id)), 200);
  });

  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const options = reason === undefined ? {} : { reason };
    return c.json(await steer(c, id, (runs) => runs.cancel(id, options)), 200);
  });

  app.openapi(retry, async (c) => {
    const { id } = c.req.valid('param');
    const { from } = c.req.valid('json');
    const options = from === undefined ? {} : { from };
    return c.json(await steer(c, id, (runs) => runs.retry(id, options)), 200);
  });

  app.openapi(input, async (c) => {
    const { id } = c.req.valid('param');
    const { node, value } = c.req.valid('json');
    return c.json(await steer(c, id, (runs) => runs.input(id, node, value)), 200);
  });

  app.openapi(sendEvent, async (c) => {
    const { id } = c.req.valid('param');
    const event = c.req.valid('json');
    return c.json(await clientOf(deps, c).runs.send(id, event), 200);
  });
}
