/**
 * @module http-events
 * A run's events over HTTP. Stored only (`follow: false`): the JSON log page by page. Live: the SSE
 * stream, reconnected with `Last-Event-ID` when it breaks off before the terminal event, so that
 * the caller sees every event once and in order, as with the in-process client.
 */
import { WeftError, type EventsOptions, type RunEvent, type RunsApi } from '@weft/core/client';
import { seg, type Http } from './http.js';
import { readSse } from './sse.js';

const TERMINAL_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);
const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** The server's `retry:` hint when it sent none. */
const DEFAULT_RETRY_MS = 2000;

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function* httpEvents(
  http: Http,
  runs: RunsApi,
  runId: string,
  o: EventsOptions,
): AsyncGenerator<RunEvent> {
  let last = o.after ?? 0;
  if (o.follow === false) {
    for (;;) {
      const page = await runs.eventPage(runId, { after: last });
      for (const e of page.events) {
        yield e;
        last = e.seq;
      }
      if (!page.has_more) return;
    }
  }
  let retryMs = http.options.reconnectDelayMs ?? DEFAULT_RETRY_MS;
  let failures = 0;
  const aborted = () => o.signal?.aborted === true;
  for (;;) {
    try {
      const res = await http.send('GET', `/v1/runs/${seg(runId)}/events`, {
        headers: { accept: 'text/event-stream', 'last-event-id': String(last) },
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      });
      for await (const m of readSse(res.body ?? new ReadableStream())) {
        if (m.retry !== undefined && http.options.reconnectDelayMs === undefined) retryMs = m.retry;
        if (m.data === undefined) continue;
        const e = JSON.parse(m.data) as RunEvent;
        if (e.seq <= last) continue;
        yield e;
        last = e.seq;
        failures = 0;
        if (TERMINAL_EVENTS.has(e.type)) return;
      }
      // Ended without the terminal event: the server went away, or the run had ended before `after`.
      const head = await runs.head(runId);
      if (TERMINAL_STATUSES.has(head.run.status) && head.seq <= last) return;
    } catch (e) {
      if (aborted()) return;
      // A missing run or a refused key stays so: only an unreachable server is worth another try.
      const unreachable = WeftError.is(e) && e.code === 'unavailable';
      const broken = !WeftError.is(e);
      if ((!unreachable && !broken) || ++failures > (http.options.maxReconnects ?? 5)) throw e;
    }
    if (aborted()) return;
    await sleep(retryMs, o.signal);
    if (aborted()) return;
  }
}
