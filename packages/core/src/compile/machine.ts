/**
 * @module compile/machine
 * A state-machine definition -> its plan: states by path, targets resolved (as validation
 * resolved them, `dsl/machine-tree.ts`), guards and `assign` templates compiled, `after` delays in
 * ms, and each entry and exit action compiled as a graph of its one node, so that the runtime runs
 * it as a node execution with the graph's retry, timeout, idempotency and durability.
 */
import {
  candidates,
  initialChild,
  resolveTarget,
  stateTree,
  type TreeState,
} from '../dsl/machine-tree.js';
import type { NodeDefinition, WorkflowDefinition } from '../dsl/types.js';
import { WeftError } from '../errors.js';
import { compileExpression, compileValue } from '../expr/index.js';
import { parseDuration } from '../runtime/time.js';
import { bareExpression } from './params.js';
import type { PlanGraph, PlanMachine, PlanState, PlanTransition } from './plan.js';

export function compileMachine(
  workflow: WorkflowDefinition,
  graphOf: (defs: NodeDefinition[]) => PlanGraph,
): PlanMachine {
  const tree = stateTree(workflow.states);
  const initial = resolveTarget(tree, undefined, workflow.initial ?? '');
  if (initial === undefined) {
    throw new WeftError('invalid_definition', `unknown initial state "${workflow.initial ?? ''}"`);
  }
  const states = new Map<string, PlanState>();
  for (const s of tree.values()) states.set(s.path, compileState(tree, s, graphOf));
  return { initial, context: workflow.context ?? {}, states };
}

function compileState(
  tree: ReadonlyMap<string, TreeState>,
  s: TreeState,
  graphOf: (defs: NodeDefinition[]) => PlanGraph,
): PlanState {
  const def = s.def;
  const transitions = (value: unknown): PlanTransition[] =>
    candidates(value).map((t) => compileTransition(tree, s.path, t));
  const on = new Map<string, PlanTransition[]>();
  for (const [event, value] of Object.entries((def['on'] ?? {}) as Record<string, unknown>)) {
    on.set(event, transitions(value));
  }
  const after = Object.entries((def['after'] ?? {}) as Record<string, unknown>).map(
    ([key, value]) => ({ key, ms: parseDuration(key), transitions: transitions(value) }),
  );
  const actions = (key: 'entry' | 'exit'): PlanGraph[] =>
    ((def[key] ?? []) as NodeDefinition[]).map((action) => graphOf([action]));
  return {
    path: s.path,
    parent: s.parent,
    final: def['type'] === 'final',
    initial: initialChild(tree, s.path),
    on,
    always: transitions(def['always']),
    after,
    entry: actions('entry'),
    exit: actions('exit'),
  };
}

function compileTransition(
  tree: ReadonlyMap<string, TreeState>,
  from: string,
  t: unknown,
): PlanTransition {
  const spec = (typeof t === 'string' ? { target: t } : t) as {
    target: string;
    guard?: string;
    assign?: Record<string, unknown>;
  };
  const target = resolveTarget(tree, from, spec.target);
  if (target === undefined) {
    throw new WeftError('invalid_definition', `state "${from}": unknown target "${spec.target}"`);
  }
  return {
    target,
    guard: spec.guard === undefined ? undefined : compileExpression(bareExpression(spec.guard)),
    assign: spec.assign === undefined ? undefined : compileValue(spec.assign),
  };
}
