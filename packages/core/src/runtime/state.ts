/**
 * @module runtime/state
 * A run's state as the decision function sees it. It is plain JSON data (persisted as the run row
 * and one row per node path) plus derived caches that are rebuilt on load and never stored.
 */
import type { ErrorInfo } from '../errors.js';
import type { PlanGraph, PlanNode } from '../compile/plan.js';
import type { NodeStatus, RunStatus } from '../ports/store.js';

export interface NodeState {
  kind: 'node';
  path: string;
  nodeId: string;
  /** Path of the frame the node belongs to: '' for the top level, e.g. `each[2]` in a body. */
  frame: string;
  /** The node's index in its frame's graph. */
  index: number;
  status: NodeStatus;
  /** Executions started, including re-executions after a crash. */
  attempts: number;
  /** Failed attempts, which the retry policy counts. */
  failures: number;
  /**
   * Executions started (committed as such before they run) and not reported back, across
   * restarts: each one the process died under, plus the one in flight. Recovery fails the node
   * with `process_crashed` rather than run it again once this reaches the engine's bound.
   */
  unreported?: number;
  /** Incoming edges whose source finished, and how many of those were taken. */
  resolvedIn: number;
  takenIn: number;
  /** Ready but held back by max_concurrency or pause. */
  queued?: boolean;
  output?: unknown;
  error?: ErrorInfo;
  /** How on_error handled a failure, when it did: the run goes on. */
  handled?: 'continue' | 'branch' | 'return';
  /** The port whose edges were taken. */
  port?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Backoff before the next attempt ends at this time. */
  retryAt?: string;
  /** foreach: items, how many bodies were started and finished. */
  items?: unknown[];
  started?: number;
  done?: number;
  /** loop: current iteration (from 1). */
  iteration?: number;
  /** foreach: bodies at once; loop: max iterations. */
  limit?: number;
  /** subworkflow: the child run. */
  childRunId?: string;
  /** wait/human: the timer that ends the wait. */
  timerId?: string;
  /**
   * Sub-step positions recorded so far (`node.step` events), kept across the node's executions
   * and retries: one past the highest recorded index.
   */
  steps?: number;
  /** Model tokens its executions spent (`ctx.tokens.spend`), counted against `limits.tokens`. */
  tokens?: number;
  /** Parked by `ctx.ask`: the step position its answer is recorded at, and the answer's schema. */
  asking?: { index: number; name: string; schema?: Record<string, unknown> };
  /**
   * Nodes that order their output (message, llm): what they emitted, held back until the ordered
   * nodes before them in graph order are done.
   */
  held?: HeldEmit[];
}

/** A held `message` text (as rows stored before progress was held, too), or held progress. */
export type HeldEmit = string | { progress: unknown };

/** One instance of a body: a foreach item or a loop iteration. */
export interface FrameState {
  kind: 'frame';
  path: string;
  /** Path of the foreach/loop node that owns the body. */
  owner: string;
  nodeId: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** Nodes of the body not finished yet. */
  open: number;
  /** `item`/`index` or `iteration`/`previous`. */
  vars: Record<string, unknown>;
  output?: unknown;
  error?: ErrorInfo;
  /**
   * A state machine's entry or exit action (`nodeId` is then the state's path, `owner` ''): which
   * of the state's actions the frame runs, so that its graph is found again after a load.
   */
  action?: { kind: 'entry' | 'exit'; index: number };
}

export type PathState = NodeState | FrameState;

export interface RunMeta {
  runId: string;
  workflowId: string;
  version: number;
  status: RunStatus;
  input: unknown;
  /** Seq of the last event. */
  seq: number;
  /** Node executions in flight (counted against max_concurrency). */
  executing: number;
  /** wait/human nodes parked. */
  parked: number;
  /** Nodes sleeping before a retry. */
  backoff: number;
  paused: boolean;
  /** Paths ready to start, oldest first. */
  queue: string[];
  /** How many times the run was retried (run.attempt in the scope, from 1). */
  attempt: number;
  /** Child runs this attempt of the run asked for (subworkflow calls, foreach items included). */
  childRuns: number;
  /** How many parent runs are above this one: 0 for a run started from outside. */
  depth?: number;
  /** Model tokens the run's nodes spent, counted against the workflow's `limits.tokens`. */
  tokens?: number;
  startedAt?: string;
  finishedAt?: string;
  output?: unknown;
  error?: ErrorInfo;
  /**
   * The operator's allow-list of internal hosts (`WEFT_HTTP_ALLOW`) when the run was created, kept
   * so that a process that carries the run on later allows them too.
   */
  hostAllow?: string[];
  /** A state-machine run's machine (`runtime/machine/`); absent for graph runs. */
  machine?: MachineState;
}

/** An event sent to a state-machine run. */
export interface MachineEvent {
  type: string;
  data?: unknown;
}

/** A state machine's action to run: the state's `entry` or `exit` action at `index`. */
export interface MachineStep {
  state: string;
  kind: 'entry' | 'exit';
  index: number;
}

/**
 * Where a state-machine run is. Plain JSON, kept in the run row; the machine logic replaces the
 * object on every decision rather than change it, so the stored row stays what was stored.
 */
export interface MachineState {
  /** The leaf state the machine is in (its path). */
  state: string;
  context: Record<string, unknown>;
  /** Events and fired `after` timers (by id) waiting their turn, oldest first. */
  queue: ({ event: MachineEvent } | { timer: string })[];
  /** The actions left of the transition under way, in order; the one running is `busy`. */
  steps: MachineStep[];
  /** The frame path of the action running, if one is. */
  busy?: string;
  /** The transition under way has run its actions: then final and `always` are looked at. */
  settling: boolean;
  /** The event of the transition under way (`event` in its actions' scope); null for none. */
  event: MachineEvent | null;
  /**
   * The outputs of the actions run so far of one state's `entry` or `exit` list (`list` names it,
   * `entry:paid`), by action id: what the actions after them in that list read.
   */
  outputs?: { list: string; values: Record<string, unknown> };
  /** The context before the transition under way: what its exit actions see. */
  exitContext?: Record<string, unknown>;
  /** Transitions taken: numbers timers, so that a state entered again arms new ones. */
  transitions: number;
  /** Action frames created: numbers the next one (`entry[3]`). */
  actions: number;
  /** `after` timers armed by the states the machine is in. */
  timers: { id: string; state: string; key: string }[];
  /** Eventless transitions taken since the last event: bounded, as a loop guard. */
  always: number;
}

export interface RunState {
  meta: RunMeta;
  nodes: Map<string, PathState>;
  /** Derived: the expression scope of each frame. Rebuilt on load. */
  scopes: Map<string, Record<string, unknown>>;
  /** Derived: the plan graph each frame runs. */
  graphs: Map<string, PlanGraph>;
}

export function createRunState(meta: {
  runId: string;
  workflowId: string;
  version: number;
  input: unknown;
  hostAllow?: string[];
  depth?: number;
}): RunState {
  return {
    meta: {
      ...meta,
      status: 'queued',
      seq: 0,
      executing: 0,
      parked: 0,
      backoff: 0,
      paused: false,
      queue: [],
      attempt: 1,
      childRuns: 0,
    },
    nodes: new Map(),
    scopes: new Map(),
    graphs: new Map(),
  };
}

export const isNodeFinished = (s: NodeStatus): boolean =>
  s === 'succeeded' || s === 'failed' || s === 'skipped' || s === 'cancelled';

/** A finished node whose output downstream nodes may read. */
export const hasOutput = (n: NodeState): boolean =>
  n.status === 'succeeded' || (n.status === 'failed' && n.handled !== undefined);

export const childPath = (frame: string, id: string): string =>
  frame === '' ? id : `${frame}.${id}`;
export const framePath = (owner: string, position: number): string => `${owner}[${position}]`;

const FRAME_SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)\[(0|[1-9][0-9]*)\]$/;

/**
 * The plan node a node path names (`ask`, `each[2].ask`, `outer[0].inner[1].ask`): each frame
 * segment walks into its owner's body; undefined for a path that names no node of the plan.
 */
export function planNodeAt(root: PlanGraph, path: string): PlanNode | undefined {
  const segments = path.split('.');
  const last = segments.pop() as string;
  let graph: PlanGraph | undefined = root;
  for (const segment of segments) {
    const m = FRAME_SEGMENT.exec(segment);
    if (m === null) return undefined;
    graph = nodeOf(graph, m[1] as string)?.body;
    if (graph === undefined) return undefined;
  }
  return nodeOf(graph, last);
}

const nodeOf = (graph: PlanGraph, id: string): PlanNode | undefined => {
  const index = graph.byId.get(id);
  return index === undefined ? undefined : graph.nodes[index];
};
