/**
 * @module compile/plan
 * The compiled, immutable form of a definition that the core executes: integer-indexed nodes and
 * edges, resolved node types, compiled expressions and templates, normalised policies.
 */
import type { NodeDefinition, WorkflowDefinition } from '../dsl/types.js';
import type { CompiledExpression, CompiledValue } from '../expr/index.js';
import type { ControlKind, NodeType } from '../nodes/types.js';

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
  /** Set for the types the core drives itself. */
  control: ControlKind | undefined;
  /** Indexes into the graph's `edges`. */
  inEdges: number[];
  outEdges: number[];
  join: 'all' | 'any';
  when: CompiledExpression | undefined;
  /** Renders the node's parameters against the scope: templates rendered, expressions evaluated. */
  params: CompiledValue;
  retry: NormalizedRetry;
  timeoutMs: number | undefined;
  onError: NormalizedOnError;
  /** Body of foreach and loop nodes. */
  body: PlanGraph | undefined;
  /** Loop: checked after each iteration against the iteration's scope. */
  loopWhile: CompiledExpression | undefined;
  /** Foreach: the expression giving the items. */
  foreachItems: CompiledExpression | undefined;
  /** `end`/`output` nodes: their output is the graph's output. */
  isOutput: boolean;
}

export interface PlanGraph {
  nodes: PlanNode[];
  edges: PlanEdge[];
  /** Nodes with no incoming edge. */
  entries: number[];
  /** Nodes with no outgoing edge. */
  sinks: number[];
  byId: ReadonlyMap<string, number>;
  /** `message` nodes in graph order (topological, definition order among equals). */
  messageOrder: number[];
}

export interface Plan {
  workflow: WorkflowDefinition;
  /** Content hash of the normalised definition. */
  hash: string;
  root: PlanGraph;
  /** `outputs:` templates, evaluated when the run succeeds. */
  outputs: CompiledValue | undefined;
  maxConcurrency: number;
  runTimeoutMs: number | undefined;
}
