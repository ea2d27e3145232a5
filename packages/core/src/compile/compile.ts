/**
 * @module compile/compile
 * Definition -> Plan. Pure; plans are cached by the definition's content hash so that every run of
 * a version shares one compiled plan.
 */
import { createHash } from 'node:crypto';
import type {
  EdgeDefinition,
  NodeDefinition,
  OnError,
  RetryPolicy,
  WorkflowDefinition,
} from '../dsl/types.js';
import { WeftError } from '../errors.js';
import {
  compileExpression,
  compileValue,
  type CompiledExpression,
  type CompiledValue,
} from '../expr/index.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { runLogicFor } from '../runtime/logic.js';
import { parseDuration } from '../runtime/time.js';
import { compileMachine } from './machine.js';
import { bareExpression, compileParams } from './params.js';
import type {
  NodeBudget,
  NodeRate,
  NormalizedOnError,
  NormalizedRetry,
  Plan,
  PlanEdge,
  PlanGraph,
  PlanNode,
  WorkflowKind,
} from './plan.js';

/** Default for `limits.max_concurrency`. */
export const DEFAULT_MAX_CONCURRENCY = 64;

const DEFAULT_RETRY: NormalizedRetry = {
  maxAttempts: 1,
  backoff: 'exponential',
  initialMs: 1000,
  maxMs: 60_000,
  multiplier: 2,
  jitter: false,
};

export function hashDefinition(definition: WorkflowDefinition): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}

export function normalizeRetry(...policies: (RetryPolicy | undefined)[]): NormalizedRetry {
  const r = { ...DEFAULT_RETRY };
  for (const p of policies) {
    if (p === undefined) continue;
    if (p.max_attempts !== undefined) r.maxAttempts = p.max_attempts;
    if (p.backoff !== undefined) r.backoff = p.backoff;
    if (p.initial_ms !== undefined) r.initialMs = p.initial_ms;
    if (p.max_ms !== undefined) r.maxMs = p.max_ms;
    if (p.multiplier !== undefined) r.multiplier = p.multiplier;
    if (p.jitter !== undefined) r.jitter = p.jitter;
  }
  return r;
}

function normalizeOnError(onError: OnError | undefined): NormalizedOnError {
  if (onError === undefined || onError === 'fail') return { kind: 'fail' };
  if (onError === 'continue') return { kind: 'continue' };
  if (onError === 'branch') return { kind: 'branch' };
  return { kind: 'return', value: onError.return };
}

function nodeRate(rate: NodeDefinition['rate']): NodeRate | undefined {
  if (rate === undefined) return undefined;
  // Whole milliseconds: what a bucket keeps (`PT0.0005S` is 1 ms).
  const out: NodeRate = { limit: rate.limit, perMs: Math.ceil(parseDuration(rate.per)) };
  if (rate.key !== undefined) out.key = rate.key;
  return out;
}

function nodeBudget(budget: NodeDefinition['budget']): NodeBudget | undefined {
  if (budget === undefined) return undefined;
  const out: NodeBudget = {
    tokens: budget.tokens,
    perMs: Math.ceil(parseDuration(budget.per)),
    per: budget.per,
  };
  if (budget.key !== undefined) out.key = budget.key;
  return out;
}

interface CompileContext {
  registry: NodeRegistry;
  workflow: WorkflowDefinition;
}

function compileNode(ctx: CompileContext, def: NodeDefinition, index: number): PlanNode {
  const nodeType = ctx.registry.get(def.type);
  if (nodeType === undefined) {
    throw new WeftError('unknown_node_type', `node "${def.id}": unknown node type "${def.type}"`);
  }
  const control = ctx.registry.control(def.type);
  const skipped = control?.skipped ?? [];
  const expressions = (nodeType.expressions ?? []).filter((p) => !skipped.includes(p));
  const withParams = def.with ?? {};
  const defaults = ctx.workflow.defaults;
  const implicitBody = def.nodes === undefined ? control?.implicitBody?.(withParams) : undefined;
  const body =
    def.nodes !== undefined
      ? compileGraph(ctx, def.nodes, def.edges ?? [])
      : implicitBody !== undefined
        ? compileGraph(ctx, implicitBody, [])
        : undefined;
  // Expressions and templates are compiled when the node first needs them: the definition was
  // validated already, and a 10,000-node plan should not parse 10,000 expressions up front.
  let when: CompiledExpression | undefined | null = def.when === undefined ? undefined : null;
  let params: CompiledValue | undefined;
  let controlExpr: CompiledExpression | undefined | null =
    control?.expression === undefined ? undefined : null;
  return {
    index,
    id: def.id,
    type: def.type,
    definition: def,
    nodeType,
    // The kind only: the runtime finds the behaviour in its table, the flags are read here.
    control: control?.kind,
    takesSlot: control === undefined || control.takesSlot,
    inEdges: [],
    outEdges: [],
    join: def.join ?? 'all',
    get when() {
      if (when === null) when = compileExpression(bareExpression(def.when ?? ''));
      return when;
    },
    get params() {
      return (params ??= compileParams(withParams, expressions, nodeType.raw, skipped));
    },
    retry: normalizeRetry(defaults?.retry, def.retry),
    timeoutMs: def.timeout_ms ?? defaults?.timeout_ms,
    tokenBudget: def.limits?.tokens,
    rate: nodeRate(def.rate),
    budget: nodeBudget(def.budget),
    onError: normalizeOnError(def.on_error ?? defaults?.on_error),
    body,
    get controlExpr() {
      if (controlExpr === null) {
        const v = withParams[control?.expression ?? ''];
        controlExpr = typeof v === 'string' ? compileExpression(bareExpression(v)) : undefined;
      }
      return controlExpr;
    },
    isOutput: nodeType.flags?.setsOutput === true,
    ordersMessages: nodeType.flags?.ordersMessages === true,
  };
}

export function compileGraph(
  ctx: CompileContext,
  defs: readonly NodeDefinition[],
  edgeDefs: readonly EdgeDefinition[],
): PlanGraph {
  const nodes = defs.map((d, i) => compileNode(ctx, d, i));
  const byId = new Map(nodes.map((n) => [n.id, n.index]));
  const edges: PlanEdge[] = edgeDefs.map((e) => {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from === undefined || to === undefined) {
      throw new WeftError('dangling_edge', `edge ${e.from} -> ${e.to} names a missing node`);
    }
    return { from, port: e.port ?? 'out', to };
  });
  edges.forEach((e, i) => {
    nodes[e.from]?.outEdges.push(i);
    nodes[e.to]?.inEdges.push(i);
  });
  // Only message nodes need an order; most graphs have none, and then no sort is needed.
  const ordered = nodes.some((n) => n.ordersMessages);
  return {
    nodes,
    edges,
    messageOrder: ordered
      ? topologicalOrder(nodes, edges).filter((i) => nodes[i]?.ordersMessages === true)
      : [],
    entries: nodes.filter((n) => n.inEdges.length === 0).map((n) => n.index),
    sinks: nodes.filter((n) => n.outEdges.length === 0).map((n) => n.index),
    byId,
  };
}

/** Kahn's algorithm, taking the lowest definition index first among the ready nodes. */
function topologicalOrder(nodes: readonly PlanNode[], edges: readonly PlanEdge[]): number[] {
  const indegree = nodes.map((n) => n.inEdges.length);
  const ready = new MinHeap();
  for (const n of nodes) if (n.inEdges.length === 0) ready.push(n.index);
  const order: number[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(i);
    for (const e of nodes[i]?.outEdges ?? []) {
      const to = edges[e]?.to;
      if (to === undefined) continue;
      indegree[to] = (indegree[to] ?? 0) - 1;
      if (indegree[to] === 0) ready.push(to);
    }
  }
  return order;
}

/** A binary min-heap of numbers: a sorted ready list would cost a sort per node. */
class MinHeap {
  readonly #items: number[] = [];

  push(value: number): void {
    const a = this.#items;
    let i = a.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= value) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = value;
  }

  pop(): number | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= a.length) break;
      if (child + 1 < a.length && a[child + 1]! < a[child]!) child++;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Refuses a kind of workflow that this core has no run logic for. It is checked here, when a
 * definition meets the runtime, and not in validation: such a definition is valid (`weft validate`
 * accepts it), it just cannot run here. Publishing compiles, so the refusal comes before a version
 * is stored, and a version stored by an older engine is refused at its start.
 */
function checkRunnable(workflow: WorkflowDefinition): WorkflowKind {
  const kind = workflow.kind ?? 'graph';
  if (runLogicFor(kind) !== undefined) return kind;
  const message = `${kind} workflows are not available yet`;
  throw new WeftError(
    'invalid_definition',
    `${message} (kind: ${kind} at workflow "${workflow.id}")`,
    { details: [{ path: 'kind', message }] },
  );
}

/**
 * Compiles a validated definition. Throws WeftError on what validation should have caught; it
 * does not re-validate.
 */
export function compile(workflow: WorkflowDefinition, registry: NodeRegistry): Plan {
  const kind = checkRunnable(workflow);
  const ctx: CompileContext = { registry, workflow };
  const plan: Plan = {
    kind,
    workflow,
    hash: hashDefinition(workflow),
    root: compileGraph(ctx, workflow.nodes, workflow.edges),
    outputs: workflow.outputs === undefined ? undefined : compileValue(workflow.outputs),
    maxConcurrency: workflow.limits?.max_concurrency ?? DEFAULT_MAX_CONCURRENCY,
    runTimeoutMs: workflow.limits?.timeout_ms,
    tokenBudget: workflow.limits?.tokens,
    concurrency:
      workflow.concurrency === undefined
        ? undefined
        : { key: compileValue(workflow.concurrency.key), limit: workflow.concurrency.limit },
    singleton:
      workflow.singleton === undefined
        ? undefined
        : { key: compileValue(workflow.singleton.key), mode: workflow.singleton.mode ?? 'skip' },
    debounce:
      workflow.debounce === undefined
        ? undefined
        : {
            key: compileValue(workflow.debounce.key),
            periodMs: parseDuration(workflow.debounce.period),
            timeoutMs:
              workflow.debounce.timeout === undefined
                ? undefined
                : parseDuration(workflow.debounce.timeout),
          },
  };
  if (kind === 'state-machine')
    plan.machine = compileMachine(workflow, (defs) => compileGraph(ctx, defs, []));
  return plan;
}

/** Plans by content hash, so every run of a version shares one compiled plan. */
export class PlanCache {
  readonly #plans = new Map<string, Plan>();
  readonly #max: number;

  constructor(max = 500) {
    this.#max = max;
  }

  get(workflow: WorkflowDefinition, registry: NodeRegistry, hash = hashDefinition(workflow)): Plan {
    const hit = this.#plans.get(hash);
    if (hit !== undefined) return hit;
    const plan = { ...compile(workflow, registry), hash };
    if (this.#plans.size >= this.#max) {
      const oldest = this.#plans.keys().next().value;
      if (oldest !== undefined) this.#plans.delete(oldest);
    }
    this.#plans.set(hash, plan);
    return plan;
  }
}
