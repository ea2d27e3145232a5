/**
 * @module routes/events
 * `GET /v1/runs/{id}/events`: the stored log as JSON, or with `Accept: text/event-stream` the
 * live stream (SSE), resumable with `Last-Event-ID` (or `?after=`).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { EventList, EventsQuery, RunIdParam } from '../schemas.js';
import { sseResponse } from '../sse.js';
import type { ApiApp, RouteDeps } from '../types.js';
import { clientOf, errors } from './common.js';

const EventsHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, 'must be the seq of an event')
    .optional()
    .openapi({ description: 'SSE: resume after this seq (takes precedence over `after`)' }),
});

const events = createRoute({
  method: 'get',
  operationId: 'listRunEvents',
  path: '/v1/runs/{id}/events',
  tags: ['runs'],
  summary: "The run's events: the stored log, or with Accept: text/event-stream a live stream",
  request: { params: RunIdParam, query: EventsQuery, headers: EventsHeaders },
  responses: {
    200: {
      description:
        'JSON: events with seq > `after`, at most `limit`. SSE: `id:` seq, `event:` type, `data:` the event; ' +
        'keep-alive comments while idle; the stream ends after the terminal event',
      content: {
        'application/json': { schema: EventList },
        'text/event-stream': { schema: { type: 'string' as const } },
      },
    },
    ...errors(400, 401, 404),
  },
});

/** True when the client asks for SSE. */
const wantsStream = (accept: string | undefined) =>
  accept !== undefined && /\btext\/event-stream\b/i.test(accept);

export function eventRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(events, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const lastEventId = c.req.valid('header')['last-event-id'];
    const runs = clientOf(deps, c).runs;
    const after = lastEventId !== undefined ? Number(lastEventId) : (q.after ?? 0);
    if (!wantsStream(c.req.header('accept'))) {
      return c.json(await runs.eventPage(id, { after, limit: q.limit ?? 1000 }), 200);
    }
    // Checked before the stream opens: another tenant's run is a plain 404, not an empty stream.
    await runs.head(id);
    const ended = deps.telemetry.streamOpened(c.get('tenant'));
    return sseResponse((signal) => runs.events(id, { after, follow: true, signal }), {
      keepAliveMs: deps.limits.keepAliveMs,
      closing: deps.closing,
      onEnd: ended,
      onError: (e) => deps.log.error({ err: e, runId: id }, 'event stream failed'),
    });
  });
}
