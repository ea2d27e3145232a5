/**
 * @module dsl/types
 * The workflow definition after parsing and normalisation (`needs:` turned into `edges`).
 * This is what is stored and shown. The zod schema in `schema.ts` is the source of truth for the
 * accepted input; these types describe the normalised result.
 */

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonSchema = Record<string, unknown>;

export interface RetryPolicy {
  /** Total attempts including the first. 1 = no retry. @default 1 */
  max_attempts?: number;
  /** @default 'exponential' */
  backoff?: 'fixed' | 'exponential';
  /** Delay before the second attempt. @default 1000 */
  initial_ms?: number;
  /** Cap on any single delay. @default 60000 */
  max_ms?: number;
  /** Growth factor for exponential backoff. @default 2 */
  multiplier?: number;
  /** Randomise each delay within [delay/2, delay]. @default false */
  jitter?: boolean;
}

export type OnError = 'fail' | 'continue' | 'branch' | { return: unknown };

export interface EdgeDefinition {
  from: string;
  /** The source node's port. @default 'out' */
  port?: string;
  to: string;
}

export interface NodeDefinition {
  id: string;
  type: string;
  name?: string;
  description?: string;
  with?: Record<string, unknown>;
  when?: string;
  retry?: RetryPolicy;
  timeout_ms?: number;
  on_error?: OnError;
  /** `tokens`: what the node's model calls may spend in all. */
  limits?: { tokens?: number };
  /**
   * At most `limit` executions started in any window of `per` (ms, or ISO 8601), shared by every
   * worker: per `key` when given, else per `with.credential`, else per node type; per tenant.
   */
  rate?: { limit: number; per: number | string; key?: string };
  /**
   * At most `tokens` model tokens spent in each period of `per` (ms, or ISO 8601; aligned to the
   * epoch in UTC), shared by every worker: per `key` when given, else per `with.credential`, else
   * per node type; per tenant. `llm` and `agent` nodes only.
   */
  budget?: { tokens: number; per: number | string; key?: string };
  join?: 'all' | 'any';
  /** Body of `foreach` and `loop` nodes. */
  nodes?: NodeDefinition[];
  edges?: EdgeDefinition[];
}

export interface TriggerDefinition {
  type: 'webhook' | 'cron' | 'manual';
  [key: string]: unknown;
}

export interface WorkflowDefinition {
  id: string;
  name?: string;
  description?: string;
  kind?: 'graph' | 'state-machine';
  inputs?: JsonSchema;
  outputs?: Record<string, unknown>;
  defaults?: { timeout_ms?: number; retry?: RetryPolicy; on_error?: OnError };
  limits?: { max_concurrency?: number; timeout_ms?: number; tokens?: number };
  /** Finished runs past either bound are deleted (the engine's sweeper). */
  retention?: { days?: number; runs?: number };
  concurrency?: { key: string; limit: number };
  /** At most one unfinished run per value of the `key` template (see docs/semantics.md). */
  singleton?: { key: string; mode?: 'skip' | 'cancel' };
  /** Starts of one key value within `period` coalesce into one run (durations: ms or ISO 8601). */
  debounce?: { key: string; period: number | string; timeout?: number | string };
  triggers?: TriggerDefinition[];
  nodes: NodeDefinition[];
  edges: EdgeDefinition[];
  /** State-machine workflows (kind: state-machine, SPEC section 5). */
  initial?: string;
  context?: Record<string, unknown>;
  states?: Record<string, StateDefinition>;
}

/** A transition: a target state, with an optional guard and context updates. */
export interface TransitionDefinition {
  target: string;
  /** A JSONata condition over `event`, `context`, `inputs`. */
  guard?: string;
  /** Context key -> template. */
  assign?: Record<string, unknown>;
}

/** One transition, or candidates tried in order: the first whose guard holds is taken. */
export type Transitions = string | TransitionDefinition | (string | TransitionDefinition)[];

export interface StateDefinition {
  type?: 'normal' | 'final';
  description?: string;
  /** Event type -> transitions. */
  on?: Record<string, Transitions>;
  /** Delay (ISO 8601 duration or ms) -> transitions: durable timers armed on entering. */
  after?: Record<string, Transitions>;
  /** Eventless transitions, tried on entering and after each event. */
  always?: Transitions;
  entry?: NodeDefinition[];
  exit?: NodeDefinition[];
  /** Compound state: its initial child and its children. */
  initial?: string;
  states?: Record<string, StateDefinition>;
}
