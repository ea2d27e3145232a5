/**
 * @module sse
 * A run's events as a Server-Sent Events response: `id:` is the event's seq, `event:` its type,
 * `data:` the event as JSON. Keep-alive comments go out while nothing happens. The stream ends
 * after the source ends (the run's terminal event), when the client goes away, or when the
 * server shuts down; none of these touches the run itself.
 */
import type { RunEvent } from '@weft/core';

export interface SseOptions {
  keepAliveMs: number;
  /** Aborts when the server shuts down. */
  closing: AbortSignal;
  /** Called once when the stream is over, for whatever reason. */
  onEnd?: () => void;
  /** Called when reading the source failed (the stream then ends). */
  onError?: (e: unknown) => void;
}

const encoder = new TextEncoder();

/** One event in the wire format. */
export function formatEvent(e: RunEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Streams `open(signal)`'s events. `signal` aborts when the client disconnects or the server
 * closes; the source should stop then (the stream stops reading it at once either way).
 */
export function sseResponse(
  open: (signal: AbortSignal) => AsyncIterable<RunEvent>,
  o: SseOptions,
): Response {
  const stop = new AbortController();
  const onClosing = () => stop.abort();
  let drained: (() => void) | undefined;

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (o.closing.aborted) stop.abort();
        else o.closing.addEventListener('abort', onClosing, { once: true });
        const send = (text: string) => {
          if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
        };
        const timer = setInterval(() => {
          if ((controller.desiredSize ?? 1) > 0) send(': keep-alive\n\n');
        }, o.keepAliveMs);
        const stopped = new Promise<'stop'>((resolve) => {
          if (stop.signal.aborted) resolve('stop');
          stop.signal.addEventListener('abort', () => resolve('stop'), { once: true });
        });
        const pump = async () => {
          const it = open(stop.signal)[Symbol.asyncIterator]();
          try {
            send(': weft run events\nretry: 2000\n\n');
            for (;;) {
              const next = await Promise.race([it.next(), stopped]);
              if (next === 'stop' || next.done === true) break;
              // Back-pressure: a slow client holds the source, not the server's memory.
              while ((controller.desiredSize ?? 1) <= 0 && !stop.signal.aborted) {
                await Promise.race([new Promise<void>((r) => (drained = r)), stopped]);
              }
              send(formatEvent(next.value));
            }
          } finally {
            // Lets the source unsubscribe; an engine without signal support ends at its next event.
            void it.return?.(undefined)?.catch(() => undefined);
          }
        };
        pump()
          .catch((e: unknown) => o.onError?.(e))
          .finally(() => {
            clearInterval(timer);
            o.closing.removeEventListener('abort', onClosing);
            const cancelled = stop.signal.aborted && !o.closing.aborted;
            stop.abort();
            if (!cancelled) {
              try {
                controller.close();
              } catch {
                // already closed by the client
              }
            }
            o.onEnd?.();
          });
      },
      pull() {
        drained?.();
        drained = undefined;
      },
      cancel() {
        stop.abort();
      },
    },
    { highWaterMark: 64 },
  );

  return new Response(body, {
    status: 200,
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}
