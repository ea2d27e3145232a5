/**
 * @module events
 * The closed set of run events (SPEC section 7, plus `node.cancelled`, `run.retried` and `node.step`): one type
 * per event with the `data` the decider writes. The decider can only emit what is declared here,
 * and readers (progress, telemetry, SSE clients) switch on `type` and get the data typed.
 *
 * @example
 * ```ts
 * for await (const e of engine.events(runId)) {
 *   if (e.type === 'node.failed') console.log(e.node, e.data.error.code);
 *   if (isTerminalEvent(e)) break;
 * }
 * ```
 */
import type { ErrorInfo } from './errors.js';

/** Why a pending node did not run. */
export type SkipReason = 'when' | 'branch';

/** Why a running node was stopped. */
export type CancelReason = 'cancelled' | 'run_failed';

/** A `wait` node parked until a time, or a `human` node asking. */
export type NodeWaitingData =
  { until: string } | { prompt: unknown; schema?: unknown; timeout_at?: string };

/** Events about one node: they carry the node's path in `node`. */
export interface NodeEventData {
  'node.started': { type: string; attempt: number };
  /** What the node reported (e.g. an LLM's token chunks): the node type's own shape. */
  'node.progress': unknown;
  'node.retrying': { attempt: number; delay_ms: number; error: ErrorInfo };
  'node.succeeded': { output: unknown; attempts: number; port?: string };
  /** `handled` when the node's on_error let the run go on. */
  'node.failed': { error: ErrorInfo; attempts: number; handled?: true };
  'node.skipped': { reason: SkipReason };
  'node.waiting': NodeWaitingData;
  'node.cancelled': { reason: CancelReason };
  /**
   * A node's durable sub-step (`ctx.step`, or an answer to `ctx.ask`): its position in the
   * execution, its name and its result, replayed to executions of the node that run again.
   */
  'node.step': { index: number; name: string; value: unknown };
  message: { text: string };
}

/** Events about the run as a whole; `undefined` where the event carries no data. */
export interface RunLevelEventData {
  'run.started': { workflow: string; version: number };
  'run.waiting': undefined;
  'run.paused': undefined;
  'run.resumed': undefined;
  'run.succeeded': { output: unknown };
  'run.failed': { error: ErrorInfo };
  'run.cancelled': { reason: string } | undefined;
  'run.retried': { attempt: number; from?: string };
  /** A state-machine run moved between states. */
  'state.transition': {
    from: string;
    to: string;
    event?: string;
    /** The context keys the transition's `assign` set, with their new values. */
    assigned?: Record<string, unknown>;
  };
}

export type NodeEventType = keyof NodeEventData;
export type RunLevelEventType = keyof RunLevelEventData;
export type RunEventType = NodeEventType | RunLevelEventType;

/** Every event type, in the order SPEC section 7 lists them, then Weft's extra ones. */
export const RUN_EVENT_TYPES = [
  'run.started',
  'node.started',
  'node.progress',
  'node.retrying',
  'node.succeeded',
  'node.failed',
  'node.skipped',
  'node.waiting',
  'message',
  'run.waiting',
  'run.paused',
  'run.resumed',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'state.transition',
  'node.cancelled',
  'run.retried',
  'node.step',
] as const satisfies readonly RunEventType[];

/** The events after which a run has nothing more to say (until a retry). */
export const TERMINAL_EVENT_TYPES = ['run.succeeded', 'run.failed', 'run.cancelled'] as const;

interface Stored {
  /** Per run, from 1, without gaps. */
  seq: number;
  /** ISO 8601 time. */
  at: string;
}

/** `data` is left out when the event has none: absent in JSON, never `null`. */
type WithData<D> = undefined extends D
  ? unknown extends D
    ? { data?: unknown }
    : { data?: Exclude<D, undefined> }
  : { data: D };

export type NodeEvent = {
  [K in NodeEventType]: Stored & { type: K; node: string } & WithData<NodeEventData[K]>;
}[NodeEventType];

export type RunLevelEvent = {
  [K in RunLevelEventType]: Stored & { type: K; node?: undefined } & WithData<RunLevelEventData[K]>;
}[RunLevelEventType];

/** One entry of a run's ordered event log. */
export type RunEvent = NodeEvent | RunLevelEvent;

/** The event of one type. */
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

/** The data of one event type (`undefined` when it has none). */
export type RunEventData<T extends RunEventType> = T extends NodeEventType
  ? NodeEventData[T]
  : T extends RunLevelEventType
    ? RunLevelEventData[T]
    : never;

export type TerminalEvent = RunEventOf<(typeof TERMINAL_EVENT_TYPES)[number]>;

const TYPES: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_EVENT_TYPES);

export function isRunEventType(type: unknown): type is RunEventType {
  return typeof type === 'string' && TYPES.has(type);
}

/**
 * Checks the envelope of an event read from outside (an SSE stream, a JSON answer): a known type,
 * a seq and a time. The data is trusted to be what the server wrote for that type.
 */
export function isRunEvent(value: unknown): value is RunEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return isRunEventType(e['type']) && typeof e['seq'] === 'number' && typeof e['at'] === 'string';
}

/** `run.succeeded`, `run.failed` or `run.cancelled`. */
export function isTerminalEvent(e: { type: string }): e is TerminalEvent {
  return TERMINAL.has(e.type);
}
