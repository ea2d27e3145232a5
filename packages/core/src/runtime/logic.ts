/**
 * @module runtime/logic
 * Run logic by kind of workflow (a workflow's `kind`): what the shell calls to create, advance and
 * load a run, so that it never depends on how one kind decides. Several kinds of logic, one
 * runtime, as XState's ActorLogic. A new kind implements {@link RunLogic} and joins the table.
 */
import type { Plan } from '../compile/plan.js';
import type { WorkflowDefinition } from '../dsl/types.js';
import { WeftError } from '../errors.js';
import type { NodeRecord, RunRecord } from '../ports/store.js';
import { graphLogic } from './graph.js';
import type { Decision, RunInput } from './protocol.js';
import type { RunState } from './state.js';

export type WorkflowKind = NonNullable<WorkflowDefinition['kind']>;

export interface RunLogic {
  readonly kind: WorkflowKind;
  /** A new run's state, queued: its first input is `start`. */
  initialState(meta: {
    runId: string;
    workflowId: string;
    version: number;
    input: unknown;
  }): RunState;
  /**
   * The events, commands and changed paths for one input. Pure: updates `state` in place, reads
   * no clock (time comes with the input), and throws WeftError before changing anything on an
   * illegal move.
   */
  decide(plan: Plan, state: RunState, input: RunInput): Decision;
  /** A stored run's state, from its run row and path rows. */
  load(plan: Plan, run: RunRecord, nodes: readonly NodeRecord[]): RunState;
  /** Paths of the run that wait for an answer from outside (human nodes). */
  awaitingAnswer(plan: Plan, state: RunState): string[];
}

// State machines (SPEC section 5) get their logic in their own issue; until then their kind has
// none and compiling one is refused.
const LOGIC: { readonly [K in WorkflowKind]?: RunLogic } = { graph: graphLogic };

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
