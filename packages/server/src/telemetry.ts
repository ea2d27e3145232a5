/**
 * @module telemetry
 * What the server derives from the engine's committed events (`engine.onEvents`): Prometheus
 * metrics (prom-client, on a registry of its own), OpenTelemetry spans per run and per node
 * (`@opentelemetry/api` only: without an SDK registered by the application they are no-ops), one
 * log line per run and node state change, and the node executions in flight, which a drain waits
 * for.
 *
 * Everything about runs is labelled with the run's tenant, so that a tenant's `/metrics` shows its
 * own counts only (see {@link Telemetry.metrics}).
 *
 * Nothing here reads inputs, outputs or credential values: metrics and spans carry ids, types,
 * statuses and attempts (and, for model and tool calls, models, token counts and tool names); log lines add error codes and messages (which nodes keep free of
 * secrets).
 *
 * @example
 * ```ts
 * const telemetry = new Telemetry({ engine, log });
 * const all = await telemetry.metrics(); // Prometheus text, every tenant
 * const acme = await telemetry.metrics('acme'); // what acme's key reads at /metrics
 * await telemetry.settle(10_000); // the nodes running now have ended (or 10 s passed)
 * ```
 */
import {
  context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  isTerminalEvent,
  silentLogger,
  type ErrorInfo,
  type Logger,
  type RunEvent,
  type RunEventOf,
  type RunEventType,
  type RunStatus,
} from '@weft/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GenAiTelemetry } from './genai-telemetry.js';
import { onlyTenant } from './metrics-view.js';

/** Who a batch of events belongs to (the engine's `RunIdentity` fits). */
export interface RunIdentityLike {
  id: string;
  tenant: string;
  workflowId: string;
  version: number;
  parentRunId?: string;
  parentPath?: string;
}

export type RunEventsListener = (events: readonly RunEvent[], run: RunIdentityLike) => void;

/** What telemetry needs of the engine. */
export interface ObservedEngine {
  /** Every committed event of every run; without it only queue depth and streams are measured. */
  onEvents?(listener: RunEventsListener): () => void;
  /**
   * Unfinished runs by status, of every tenant or of `tenant`; without it the queue depth is not
   * measured.
   */
  queueDepth?(tenant?: string): Promise<Partial<Record<RunStatus, number>>>;
}

export interface TelemetryOptions {
  engine: ObservedEngine;
  /** Run and node state changes are logged here (info). @default silent */
  log?: Logger;
  /** @default trace.getTracer('weft'): a no-op until an OpenTelemetry SDK is registered */
  tracer?: Tracer;
  /** Node.js process metrics (CPU, memory, event loop, GC) on the same registry. @default true */
  processMetrics?: boolean;
}

/** Statuses counted by `weft_queue_depth`. */
const QUEUE_STATUSES = ['queued', 'running', 'waiting', 'paused'] as const;

/** Runs and nodes kept track of at once; beyond it the oldest are dropped (spans ended). */
const MAX_TRACKED_RUNS = 10_000;

/** Events that end a node's attempt, and the status they give it. */
const NODE_END = {
  'node.succeeded': 'succeeded',
  'node.failed': 'failed',
  'node.retrying': 'retrying',
  'node.cancelled': 'cancelled',
} as const satisfies Partial<Record<RunEventType, string>>;
const endsAttempt = (e: RunEvent): e is RunEventOf<keyof typeof NODE_END> => e.type in NODE_END;
/** Events that are not state changes: not logged. */
const NOT_LOGGED: ReadonlySet<RunEventType> = new Set(['node.progress', 'message', 'node.step']);

/** What a log line and a span take from an event's data. */
function dataFields(e: RunEvent): {
  type?: string;
  attempt?: number;
  error?: ErrorInfo;
  delay_ms?: number;
} {
  switch (e.type) {
    case 'node.started':
      return { type: e.data.type, attempt: e.data.attempt };
    case 'node.succeeded':
      return { attempt: e.data.attempts };
    case 'node.failed':
      return { attempt: e.data.attempts, error: e.data.error };
    case 'node.retrying':
      return { attempt: e.data.attempt, error: e.data.error, delay_ms: e.data.delay_ms };
    case 'run.failed':
      return { error: e.data.error };
    default:
      return {};
  }
}

interface NodeTrack {
  type: string;
  attempt: number | undefined;
  startedAt: number;
  /** When its last sub-step was recorded: the next model or tool call's span starts there. */
  lastStepAt: number;
  span: Span | undefined;
}

interface RunTrack {
  span: Span | undefined;
  nodes: Map<string, NodeTrack>;
}

export class Telemetry {
  /**
   * Metrics kept in memory (runs, nodes, live streams, process). {@link metrics} adds the queue
   * depth, read from the store at each scrape.
   */
  readonly registry = new Registry();
  readonly #tracer: Tracer;
  readonly #log: Logger;
  readonly #runs = new Map<string, RunTrack>();
  /** `run\0path` of node executions in flight (started, not ended nor waiting). */
  readonly #executing = new Set<string>();
  readonly #settled = new Set<() => void>();
  readonly #unsubscribe: (() => void) | undefined;
  readonly #engine: ObservedEngine;
  /** Live event streams open, by tenant. */
  readonly #streams = new Map<string, number>();

  readonly #runsStarted: Counter<'tenant' | 'workflow'>;
  readonly #runsFinished: Counter<'tenant' | 'workflow' | 'status'>;
  readonly #nodeDuration: Histogram<'tenant' | 'type' | 'status'>;
  readonly #nodeRetries: Counter<'tenant' | 'type'>;
  readonly #genAi: GenAiTelemetry;

  constructor(o: TelemetryOptions) {
    this.#tracer = o.tracer ?? trace.getTracer('weft');
    this.#log = (o.log ?? silentLogger).child({ component: 'runs' });
    const registers = [this.registry];
    this.#runsStarted = new Counter({
      name: 'weft_runs_started_total',
      help: 'Runs started, by tenant and workflow',
      labelNames: ['tenant', 'workflow'],
      registers,
    });
    this.#runsFinished = new Counter({
      name: 'weft_runs_finished_total',
      help: 'Runs that reached a terminal status (succeeded, failed, cancelled), by tenant and workflow',
      labelNames: ['tenant', 'workflow', 'status'],
      registers,
    });
    this.#nodeDuration = new Histogram({
      name: 'weft_node_duration_seconds',
      help: 'Duration of node attempts, by tenant, node type and how the attempt ended (succeeded, failed, retrying, cancelled)',
      labelNames: ['tenant', 'type', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.#nodeRetries = new Counter({
      name: 'weft_node_retries_total',
      help: 'Node attempts that failed and are retried, by tenant and node type',
      labelNames: ['tenant', 'type'],
      registers,
    });
    this.#genAi = new GenAiTelemetry(this.#tracer, this.registry);
    this.#engine = o.engine;
    const streams = this.#streams;
    new Gauge({
      name: 'weft_event_stream_clients',
      help: 'Clients connected to live event streams (SSE), by tenant',
      labelNames: ['tenant'],
      registers,
      collect() {
        for (const [tenant, n] of streams) this.set({ tenant }, n);
      },
    });
    if (o.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    let unsubscribe: (() => void) | undefined;
    try {
      unsubscribe = o.engine.onEvents?.((events, run) => this.#observe(events, run));
    } catch (e) {
      // An engine wrapped so that it cannot be listened to (a proxy, a test double).
      this.#log.warn(
        { err: e },
        'telemetry cannot listen to the engine: no run metrics, spans or logs',
      );
    }
    this.#unsubscribe = unsubscribe;
  }

  /**
   * The Prometheus text `/metrics` serves: every tenant's, or with `tenant` only the samples of
   * that tenant (runs, nodes, streams, its queue depth) beside the process metrics, which are the
   * server's own and name no tenant.
   */
  async metrics(tenant?: string): Promise<string> {
    // The queue depth is counted for the view asked for, so it lives in a registry of this scrape.
    const scrape = new Registry();
    const depth = new Gauge({
      name: 'weft_queue_depth',
      help: 'Runs not finished, by status (read from the store at scrape time)',
      labelNames: ['status'],
      registers: [scrape],
    });
    try {
      const counts = await this.#engine.queueDepth?.(tenant);
      if (counts !== undefined)
        for (const status of QUEUE_STATUSES) depth.set({ status }, counts[status] ?? 0);
    } catch (e) {
      this.#log.warn({ err: e }, 'metrics: the store cannot be read for the queue depth');
    }
    const text = await Registry.merge([this.registry, scrape]).metrics();
    return tenant === undefined ? text : onlyTenant(text, tenant);
  }

  /** The content type of {@link metrics}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts a live event stream of `tenant`; call the returned function when it ends. */
  streamOpened(tenant: string): () => void {
    this.#streams.set(tenant, (this.#streams.get(tenant) ?? 0) + 1);
    let open = true;
    return () => {
      if (open) this.#streams.set(tenant, (this.#streams.get(tenant) ?? 1) - 1);
      open = false;
    };
  }

  /** Node executions in flight (started, not ended, not waiting for someone). */
  get executing(): number {
    return this.#executing.size;
  }

  /**
   * Resolves once every node execution in flight at the call has ended, or after `ms`. True
   * when they all ended.
   */
  settle(ms: number): Promise<boolean> {
    const pending = new Set(this.#executing);
    if (pending.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const check = () => {
        for (const k of pending) if (!this.#executing.has(k)) pending.delete(k);
        if (pending.size > 0) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), ms);
      const finish = (all: boolean) => {
        clearTimeout(timer);
        this.#settled.delete(check);
        resolve(all);
      };
      this.#settled.add(check);
    });
  }

  /** Stops listening to the engine; open spans are ended. */
  stop(): void {
    this.#unsubscribe?.();
    for (const [id, track] of this.#runs) this.#dropRun(id, track, Date.now());
  }

  // ---- events -----------------------------------------------------------------------------

  #observe(events: readonly RunEvent[], run: RunIdentityLike): void {
    for (const e of events) {
      try {
        this.#one(e, run);
      } catch (err) {
        this.#log.warn({ err, runId: run.id }, 'telemetry could not record an event');
      }
    }
    for (const check of [...this.#settled]) check();
  }

  #one(e: RunEvent, run: RunIdentityLike): void {
    const at = Date.parse(e.at);
    const fields = dataFields(e);
    const labels = { tenant: run.tenant, workflow: run.workflowId };
    let track = this.#runs.get(run.id);
    if (!NOT_LOGGED.has(e.type)) this.#logEvent(e, run, fields, track);

    if (e.type === 'run.started') {
      this.#runsStarted.inc(labels);
      track ??= this.#track(run.id);
      track.span ??= this.#startRunSpan(run, at);
    } else if (isTerminalEvent(e)) {
      const status = e.type.slice('run.'.length);
      this.#runsFinished.inc({ ...labels, status });
      if (track !== undefined) {
        const span = track.span;
        if (span !== undefined) {
          span.setAttribute('weft.status', status);
          if (e.type === 'run.failed') {
            span.setStatus({ code: SpanStatusCode.ERROR, message: e.data.error.code });
          }
        }
        this.#dropRun(run.id, track, at);
      }
    } else if (e.type === 'node.started') {
      track ??= this.#track(run.id);
      const { type, attempt } = e.data;
      track.nodes.get(e.node)?.span?.end(at);
      track.nodes.set(e.node, {
        type,
        attempt,
        startedAt: at,
        lastStepAt: at,
        span: this.#startNodeSpan(run, track, e.node, type, attempt, at),
      });
      this.#executing.add(`${run.id}\u0000${e.node}`);
    } else if (endsAttempt(e)) {
      const status = NODE_END[e.type];
      const node = track?.nodes.get(e.node);
      const type = node?.type ?? 'unknown';
      if (status === 'retrying') this.#nodeRetries.inc({ tenant: run.tenant, type });
      if (node !== undefined) {
        const seconds = Math.max(0, at - node.startedAt) / 1000;
        this.#nodeDuration.observe({ tenant: run.tenant, type, status }, seconds);
        if (node.span !== undefined) {
          node.span.setAttribute('weft.status', status);
          if (status === 'failed' || status === 'retrying') {
            node.span.setStatus({
              code: SpanStatusCode.ERROR,
              message: fields.error?.code ?? status,
            });
          }
          node.span.end(at);
        }
        track!.nodes.delete(e.node);
      }
      this.#executing.delete(`${run.id}\u0000${e.node}`);
    } else if (e.type === 'node.step') {
      const node = track?.nodes.get(e.node);
      this.#genAi.step(e, run.tenant, node?.span, node?.lastStepAt ?? at);
      if (node !== undefined) node.lastStepAt = at;
    } else if (e.type === 'node.waiting') {
      this.#executing.delete(`${run.id}\u0000${e.node}`);
      track?.nodes.get(e.node)?.span?.addEvent('waiting', at);
    } else if (track?.span !== undefined && e.node === undefined) {
      track.span.addEvent(e.type, at); // run.waiting, run.paused, run.resumed ...
    }
    // A run with nothing open (no span, no node in flight) needs no memory here.
    if (track !== undefined && track.nodes.size === 0 && track.span === undefined) {
      this.#runs.delete(run.id);
    }
  }

  #track(runId: string): RunTrack {
    if (this.#runs.size >= MAX_TRACKED_RUNS) {
      const [oldest, track] = this.#runs.entries().next().value as [string, RunTrack];
      track.span?.setAttribute('weft.truncated', true);
      this.#dropRun(oldest, track, Date.now());
    }
    const track: RunTrack = { span: undefined, nodes: new Map() };
    this.#runs.set(runId, track);
    return track;
  }

  #dropRun(runId: string, track: RunTrack, at: number): void {
    for (const [path, node] of track.nodes) {
      node.span?.end(at);
      this.#executing.delete(`${runId}\u0000${path}`);
    }
    track.span?.end(at);
    this.#runs.delete(runId);
  }

  #startRunSpan(run: RunIdentityLike, at: number): Span | undefined {
    // A subworkflow's run is a child of its parent's node span, when that is known here.
    const parent =
      run.parentRunId === undefined || run.parentPath === undefined
        ? undefined
        : this.#runs.get(run.parentRunId)?.nodes.get(run.parentPath)?.span;
    const ctx: Context = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent);
    const span = this.#tracer.startSpan(
      `run ${run.workflowId}`,
      {
        startTime: at,
        attributes: {
          'weft.run.id': run.id,
          'weft.tenant': run.tenant,
          'weft.workflow': run.workflowId,
          'weft.workflow.version': run.version,
        },
      },
      ctx,
    );
    return span.isRecording() ? span : undefined;
  }

  #startNodeSpan(
    run: RunIdentityLike,
    track: RunTrack,
    path: string,
    type: string,
    attempt: number | undefined,
    at: number,
  ): Span | undefined {
    const ctx =
      track.span === undefined ? context.active() : trace.setSpan(ROOT_CONTEXT, track.span);
    const attributes: Record<string, string | number> = {
      'weft.run.id': run.id,
      'weft.workflow': run.workflowId,
      'weft.node.path': path,
      'weft.node.type': type,
    };
    if (attempt !== undefined) attributes['weft.node.attempt'] = attempt;
    const span = this.#tracer.startSpan(`node ${path}`, { startTime: at, attributes }, ctx);
    return span.isRecording() ? span : undefined;
  }

  #logEvent(
    e: RunEvent,
    run: RunIdentityLike,
    data: ReturnType<typeof dataFields>,
    track: RunTrack | undefined,
  ): void {
    const fields: Record<string, unknown> = {
      runId: run.id,
      tenant: run.tenant,
      workflow: run.workflowId,
      version: run.version,
      seq: e.seq,
    };
    if (e.node !== undefined) {
      fields['node'] = e.node;
      const type = data.type ?? track?.nodes.get(e.node)?.type;
      if (type !== undefined) fields['type'] = type;
      if (data.attempt !== undefined) fields['attempt'] = data.attempt;
    }
    if (data.error !== undefined) {
      fields['error'] = { code: data.error.code, message: data.error.message };
    }
    if (data.delay_ms !== undefined) fields['delay_ms'] = data.delay_ms;
    this.#log.info(fields, e.type);
  }
}
