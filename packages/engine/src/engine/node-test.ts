/**
 * @module engine/node-test
 * "Test this node": one node of a definition run alone against a scope the caller gives, as n8n's
 * "execute step" and Dify's single-step run do. Nothing is stored and no run is made; the node
 * sees what it would see in a run — the scope's expressions, the tenant's credentials, its own
 * timeout (capped), its rate and token budget, the output limits — and its failure is answered as
 * the run would record it.
 *
 * Node kinds that only a run can drive (human, wait, subworkflow, foreach, loop) are refused
 * with `node_not_testable`, naming the kind and why; a node of a `foreach`/`loop` body can be
 * tested with `item`, `index` (or `iteration`, `previous`) in the scope.
 *
 * @example
 * ```ts
 * const r = await engine.testNode({ tenant: 'acme', definition: yaml, node: 'fetch',
 *   scope: { inputs: { id: 7 } } });
 * if (r.status === 'succeeded') console.log(r.output);
 * ```
 */
import { randomUUID } from 'node:crypto';
import {
  checkPlainData,
  formatPath,
  toBoolean,
  toPlainJson,
  toScopeValue,
  WeftError,
  type Clock,
  type ControlKind,
  type CredentialResolver,
  type DslLimits,
  type ErrorInfo,
  type Logger,
  type NodeRegistry,
  type Plan,
  type PlanGraph,
  type PlanNode,
  type Store,
} from '@weft/core';
import type { NodeTestRequest, NodeTestResult } from '@weft/core/client';
import { executeAlone } from '../runtime/execute-alone.js';
import { MAX_DATA_BYTES } from './data-limits.js';
import type { Definitions } from './definitions.js';
import { storeServices } from './store-services.js';

/** Longest a node test may run when neither the engine nor the node says less. */
export const DEFAULT_NODE_TEST_MS = 60_000;

export interface NodeTestsDeps {
  store: Store;
  registry: NodeRegistry;
  clock: Clock;
  log: Logger;
  limits: DslLimits;
  definitions: Pick<Definitions, 'compiled'>;
  credentials: (tenant: string) => CredentialResolver;
  /** The cap of a test's timeout, in ms. */
  maxMs: number;
  /** Largest node output, in bytes of JSON (as a run's). */
  maxOutputBytes: number;
}

/** A result before its duration is known. */
type Undated = NodeTestResult extends infer R
  ? R extends NodeTestResult
    ? Omit<R, 'duration_ms'>
    : never
  : never;

/** Why each kind the decider drives cannot run alone. */
const NOT_ALONE: Readonly<Record<ControlKind, string>> = {
  human: 'it waits for a person to answer, which a node test cannot give',
  wait: 'it is a durable timer, which only a run waits for',
  subworkflow: 'it starts a child run, and a node test makes no run: test the child’s nodes',
  foreach:
    'it runs a body of nodes for each item: test the body’s nodes, with `item` and `index` in the scope',
  loop: 'it runs a body of nodes again and again: test the body’s nodes, with `iteration` and `previous` in the scope',
};

export class NodeTests {
  readonly #deps: NodeTestsDeps;

  constructor(deps: NodeTestsDeps) {
    this.#deps = deps;
  }

  /**
   * Runs the node alone (see the module comment). The request's problems are thrown; the node's
   * failure is answered.
   * @throws WeftError `invalid_definition`, `invalid_request`, `node_not_testable`,
   *   `payload_too_large`
   */
  async test(
    tenant: string,
    request: NodeTestRequest,
    signal?: AbortSignal,
  ): Promise<NodeTestResult> {
    const { clock, limits } = this.#deps;
    const format = request.format === undefined ? {} : { format: request.format };
    const plan = this.#deps.definitions.compiled(request.definition, format);
    const pn = findNode(plan, request.node);
    if (pn.control !== undefined) {
      throw new WeftError(
        'node_not_testable',
        `node "${pn.id}" is a ${pn.type} node, which cannot run alone: ${NOT_ALONE[pn.control]}`,
      );
    }
    const t0 = performance.now();
    const runId = `node-test-${randomUUID()}`;
    const scope = scopeOf(request.scope, limits, { runId, plan, now: clock.now() });
    const done = (r: Undated): NodeTestResult => ({
      ...r,
      duration_ms: Math.round(performance.now() - t0),
    });
    const failed = (error: ErrorInfo, extra: { when?: false } = {}) =>
      done({ status: 'failed', error, ...extra });
    // A `when` that is false would skip the node in a run: the test says so, and runs it anyway.
    let skip: { when?: false } = {};
    if (pn.when !== undefined) {
      const when = pn.when;
      const r = attempt(() => when.evaluate(scope, { now: clock.now() }));
      if (!r.ok) return failed(r.error);
      if (!toBoolean(r.value)) skip = { when: false };
    }
    const params = attempt(() => toPlainJson(pn.params.evaluate(scope, { now: clock.now() })));
    if (!params.ok) return failed(params.error, skip);
    const result = await executeAlone(this.#env(tenant, runId), {
      tenant,
      runId,
      workflowId: plan.workflow.id,
      nodeId: pn.id,
      path: pn.id,
      nodeType: pn.type,
      params: params.value,
      timeoutMs: Math.min(pn.timeoutMs ?? this.#deps.maxMs, this.#deps.maxMs),
      tokens: smallest(plan.tokenBudget, pn.tokenBudget),
      rate: pn.rate,
      budget: pn.budget,
      signal,
    });
    if (!result.ok) return failed(result.error, skip);
    return done({
      status: 'succeeded',
      output: result.output,
      ...(result.port === undefined ? {} : { port: result.port }),
      ...skip,
    });
  }

  #env(tenant: string, runId: string) {
    const { store, clock, registry } = this.#deps;
    const refuse = () =>
      Promise.reject(
        new WeftError(
          'node_not_testable',
          'calling a stored workflow starts a run, and a node test makes none: run the workflow',
        ),
      );
    return {
      registry,
      clock,
      log: this.#deps.log,
      limits: { maxBytes: this.#deps.maxOutputBytes, maxDepth: this.#deps.limits.maxDepth },
      services: {
        // Memory and knowledge of the tenant, as in a run: what the node writes there is written.
        ...storeServices(store, clock, (id) => (id === runId ? tenant : undefined)),
        nodeTypes: registry,
        workflows: { describe: refuse, call: refuse },
      },
      credentials: this.#deps.credentials(tenant),
      rates: store,
      budgets: store,
    };
  }
}

/** Runs an evaluation, its error as a run records it. */
function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: ErrorInfo } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    const err = WeftError.is(e) ? e : new WeftError('expression_error', String(e));
    return { ok: false, error: { code: err.code, message: err.message } };
  }
}

function smallest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/** Every graph of the plan: the top one, bodies, and each state's actions. */
function* graphsOf(plan: Plan): Generator<PlanGraph> {
  const stack: PlanGraph[] = [plan.root];
  for (const state of plan.machine?.states.values() ?? [])
    stack.push(...state.entry, ...state.exit);
  for (let g = stack.pop(); g !== undefined; g = stack.pop()) {
    yield g;
    for (const n of g.nodes) if (n.body !== undefined) stack.push(n.body);
  }
}

/** @throws WeftError `invalid_request` naming the node and the ones there are */
function findNode(plan: Plan, id: unknown): PlanNode {
  const found: PlanNode[] = [];
  const ids: string[] = [];
  for (const g of graphsOf(plan)) {
    for (const n of g.nodes) {
      ids.push(n.id);
      if (n.id === id) found.push(n);
    }
  }
  const [first] = found;
  if (typeof id !== 'string' || id === '') {
    throw new WeftError('invalid_request', 'name the node to test by its id (`node`)');
  }
  if (first === undefined) {
    const some = ids.slice(0, 20).join(', ');
    throw new WeftError(
      'invalid_request',
      `workflow "${plan.workflow.id}" has no node "${id}"${some === '' ? '' : `; its nodes: ${some}${ids.length > 20 ? ', …' : ''}`}`,
    );
  }
  if (found.length > 1) {
    throw new WeftError(
      'invalid_request',
      `workflow "${plan.workflow.id}" has ${found.length} nodes "${id}" (actions of different states): a node test needs one`,
    );
  }
  return first;
}

/**
 * The scope the node's expressions read: the caller's entries (JSON, each within a node output's
 * depth, together at most 4 MiB), with `inputs` (`{}`) and `run` (made up) when not given.
 * @throws WeftError `invalid_request` (not an object, not JSON data, too deep), `payload_too_large`
 */
function scopeOf(
  given: unknown,
  limits: DslLimits,
  o: { runId: string; plan: Plan; now: number },
): Record<string, unknown> {
  if (
    given !== undefined &&
    (typeof given !== 'object' || given === null || Array.isArray(given))
  ) {
    throw new WeftError('invalid_request', 'the scope must be an object of names to values');
  }
  const entries = { ...(given as Record<string, unknown> | undefined) };
  entries['inputs'] ??= {};
  entries['run'] ??= {
    id: o.runId,
    workflow: o.plan.workflow.id,
    version: 0,
    attempt: 1,
    started_at: new Date(o.now).toISOString(),
  };
  let size = 0;
  const scope = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    const check = checkPlainData(value, limits, 10 * MAX_DATA_BYTES);
    if (check.problem !== undefined) {
      const { path, message } = check.problem;
      const where =
        path.length === 0 ? '' : `${typeof path[0] === 'number' ? '' : '.'}${formatPath(path)}`;
      throw new WeftError(
        'invalid_request',
        `the scope is invalid: scope.${name}${where}: ${message}`,
      );
    }
    size += check.size;
    if (size > MAX_DATA_BYTES) {
      throw new WeftError(
        'payload_too_large',
        `the scope is too large: more than ${MAX_DATA_BYTES} bytes of JSON (limit ${MAX_DATA_BYTES} bytes)`,
      );
    }
    scope[name] = toScopeValue(value);
  }
  return scope;
}
