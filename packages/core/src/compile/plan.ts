/**
 * @module compile/plan
 * The compiled, immutable form of a definition that the core executes: integer-indexed nodes and
 * edges, resolved node types, compiled expressions and templates, normalised policies.
 */
import type { NodeDefinition, WorkflowDefinition } from '../dsl/types.js';
import type { CompiledExpression, CompiledValue } from '../expr/index.js';
import type { NodeType } from '../nodes/types.js';

// The plan names its workflow's kind and its nodes' controls by strings defined here, not by the
// runtime's types: the runtime reads plans, so a plan that imported the runtime would be a cycle.

/** A kind of workflow (its `kind`): which run logic runs it. */
export type WorkflowKind = NonNullable<WorkflowDefinition['kind']>;

/** A built-in node type whose execution the decider drives itself (`runtime/controls/`). */
export type ControlKind = 'foreach' | 'loop' | 'wait' | 'human' | 'subworkflow';

export interface NormalizedRetry {
  maxAttempts: number;
  backoff: 'fixed' | 'exponential';
  initialMs: number;
  maxMs: number;
  multiplier: number;
  jitter: boolean;
}

export type NormalizedOnError =
  { kind: 'fail' } | { kind: 'continue' } | { kind: 'branch' } | { kind: 'return'; value: unknown };

/** A node's `rate`: at most `limit` executions started in any `perMs`, per bucket. */
export interface NodeRate {
  limit: number;
  perMs: number;
  /** The bucket's name when the node gives one (`rate.key`). */
  key?: string;
}

/** A node's `budget`: at most `tokens` model tokens in each window of `perMs`, per bucket. */
export interface NodeBudget {
  tokens: number;
  perMs: number;
  /** The period as the definition gives it (`P1D`, `3600000`), for the error of a spent budget. */
  per: number | string;
  /** The bucket's name when the node gives one (`budget.key`). */
  key?: string;
}

export interface PlanEdge {
  from: number;
  port: string;
  to: number;
}

export interface PlanNode {
  index: number;
  id: string;
  type: string;
  definition: NodeDefinition;
  nodeType: NodeType;
  /**
   * The control of a type the decider drives itself, its behaviour looked up in the runtime's
   * table of controls; plain nodes are executed by the shell.
   */
  control: ControlKind | undefined;
  /** Holds an execution slot while it runs: plain nodes and controls whose work runs outside. */
  takesSlot: boolean;
  /** Indexes into the graph's `edges`. */
  inEdges: number[];
  outEdges: number[];
  join: 'all' | 'any';
  when: CompiledExpression | undefined;
  /** Renders the node's parameters against the scope: templates rendered, expressions evaluated. */
  params: CompiledValue;
  retry: NormalizedRetry;
  timeoutMs: number | undefined;
  /** Model tokens the node's executions may spend in all (`limits.tokens`). */
  tokenBudget: number | undefined;
  /** Its `rate`, the window in whole ms. */
  rate: NodeRate | undefined;
  /** Its `budget`, the period in whole ms. */
  budget: NodeBudget | undefined;
  onError: NormalizedOnError;
  /** Body of foreach and loop nodes. */
  body: PlanGraph | undefined;
  /** The control's own expression (foreach `items`, loop `while`), compiled on first use. */
  controlExpr: CompiledExpression | undefined;
  /** Its type sets the graph's output (`end`/`output`). */
  isOutput: boolean;
  /** Its type's messages reach the client in graph order (`message`). */
  ordersMessages: boolean;
}

export interface PlanGraph {
  nodes: PlanNode[];
  edges: PlanEdge[];
  /** Nodes with no incoming edge. */
  entries: number[];
  /** Nodes with no outgoing edge. */
  sinks: number[];
  byId: ReadonlyMap<string, number>;
  /** Nodes that order their messages, in graph order (topological, definition order among equals). */
  messageOrder: number[];
}

export interface Plan {
  /** Which run logic runs it. */
  kind: WorkflowKind;
  workflow: WorkflowDefinition;
  /** Content hash of the normalised definition. */
  hash: string;
  root: PlanGraph;
  /** `outputs:` templates, evaluated when the run succeeds. */
  outputs: CompiledValue | undefined;
  maxConcurrency: number;
  runTimeoutMs: number | undefined;
  /** Model tokens the run's nodes may spend in all (`limits.tokens`). */
  tokenBudget: number | undefined;
  /** `concurrency:` — at most `limit` runs at once per value of the `key` template. */
  concurrency: { key: CompiledValue; limit: number } | undefined;
  /** `singleton:` — at most one unfinished run per value of the `key` template. */
  singleton: { key: CompiledValue; mode: 'skip' | 'cancel' } | undefined;
  /** `debounce:` — starts of one key value within `periodMs` make one run. */
  debounce: { key: CompiledValue; periodMs: number; timeoutMs: number | undefined } | undefined;
  /** A state-machine workflow's states; `root` is then an empty graph. */
  machine?: PlanMachine;
}

/** A transition with its target resolved to a state path. */
export interface PlanTransition {
  target: string;
  guard: CompiledExpression | undefined;
  /** The `assign` templates, rendered into an object of context changes. */
  assign: CompiledValue | undefined;
}

export interface PlanState {
  /** Names from the top joined by `.`. */
  path: string;
  parent: string | undefined;
  final: boolean;
  /** A compound state's initial child (a path); undefined for a leaf. */
  initial: string | undefined;
  /** Event type -> candidates tried in order. */
  on: ReadonlyMap<string, readonly PlanTransition[]>;
  always: readonly PlanTransition[];
  /** Durable timers armed on entering, in definition order. */
  after: readonly { key: string; ms: number; transitions: readonly PlanTransition[] }[];
  /** Each action as a graph of its one node, run in order, so that each is a node execution. */
  entry: readonly PlanGraph[];
  exit: readonly PlanGraph[];
}

export interface PlanMachine {
  /** The top-level state entered first (entering goes on down its initial children). */
  initial: string;
  context: Record<string, unknown>;
  states: ReadonlyMap<string, PlanState>;
}
