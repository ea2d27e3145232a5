/**
 * @module runtime/logic
 * Run logic by kind of workflow (a workflow's `kind`): what the shell calls to create, advance and
 * load a run, so that it never depends on how one kind decides. Several kinds of logic, one
 * runtime, as XState's ActorLogic. A new kind implements {@link RunLogic} (`run-logic.ts`) and
 * joins the table.
 */
import type { Plan, WorkflowKind } from '../compile/plan.js';
import { WeftError } from '../errors.js';
import { graphLogic } from './graph.js';
import { machineLogic } from './machine/logic.js';
import type { RunLogic } from './run-logic.js';

const LOGIC: { readonly [K in WorkflowKind]?: RunLogic } = {
  graph: graphLogic,
  'state-machine': machineLogic,
};

/** The run logic of a kind of workflow, if this core runs that kind. */
export function runLogicFor(kind: WorkflowKind): RunLogic | undefined {
  return LOGIC[kind];
}

/** The run logic of a compiled plan (compiling checked that there is one). */
export function runLogicOf(plan: Plan): RunLogic {
  const logic = LOGIC[plan.kind];
  if (logic === undefined) throw new WeftError('internal', `no run logic for ${plan.kind}`);
  return logic;
}
