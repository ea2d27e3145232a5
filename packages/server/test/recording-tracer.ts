/**
 * A tracer provider that keeps its spans, as an OpenTelemetry SDK would, without one: tests read
 * the spans the server made (names, attributes, parents, times, statuses).
 */
import {
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

export interface Recorded {
  name: string;
  attributes: Record<string, unknown>;
  parent: Recorded | undefined;
  status: SpanStatus | undefined;
  start: number;
  end: number | undefined;
  events: string[];
}

export function recordingProvider(): { provider: TracerProvider; spans: Recorded[] } {
  const spans: Recorded[] = [];
  const bySpan = new WeakMap<Span, Recorded>();
  let ids = 0;
  const tracer: Tracer = {
    startSpan(name: string, options: SpanOptions = {}, ctx: Context = ROOT_CONTEXT): Span {
      const parentSpan = trace.getSpan(ctx);
      const rec: Recorded = {
        name,
        attributes: { ...options.attributes },
        parent: parentSpan === undefined ? undefined : bySpan.get(parentSpan),
        status: undefined,
        start: Number(options.startTime ?? Date.now()),
        end: undefined,
        events: [],
      };
      const id = (++ids).toString(16).padStart(16, '0');
      const span: Span = {
        spanContext: () => ({ traceId: '1'.repeat(32), spanId: id, traceFlags: 1 }),
        setAttribute(k, v) {
          rec.attributes[k] = v;
          return span;
        },
        setAttributes(a) {
          Object.assign(rec.attributes, a);
          return span;
        },
        addEvent(n) {
          rec.events.push(n);
          return span;
        },
        addLink: () => span,
        addLinks: () => span,
        setStatus(s) {
          rec.status = s;
          return span;
        },
        updateName: () => span,
        end(endTime) {
          rec.end = Number(endTime ?? Date.now());
        },
        isRecording: () => rec.end === undefined,
        recordException: () => undefined,
      };
      bySpan.set(span, rec);
      spans.push(rec);
      return span;
    },
    startActiveSpan: () => {
      throw new Error('not used');
    },
  };
  return { provider: { getTracer: () => tracer }, spans };
}
