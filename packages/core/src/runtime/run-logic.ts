/**
 * @module runtime/run-logic
 * What a kind of workflow's run logic is (see `logic.ts` for the table by kind). Types only, apart
 * from the table: each logic implements this interface and the table imports each logic, so the
 * interface in the table's module would be a cycle.
 */
import type { Plan, WorkflowKind } from '../compile/plan.js';
import type { ErrorInfo } from '../errors.js';
import type { NodeRecord, RunRecord } from '../ports/store.js';
import type { Decision, RunInput } from './protocol.js';
import type { RunState } from './state.js';

export interface RunLogic {
  readonly kind: WorkflowKind;
  /** A new run's state, queued: its first input is `start`. */
  initialState(meta: {
    runId: string;
    workflowId: string;
    version: number;
    input: unknown;
    hostAllow?: string[];
    /** A child run's: its parent's depth + 1. */
    depth?: number;
  }): RunState;
  /**
   * The events, commands and changed paths for one input. Pure: updates `state` in place, reads
   * no clock (time comes with the input), and throws WeftError before changing anything on an
   * illegal move.
   */
  decide(plan: Plan, state: RunState, input: RunInput): Decision;
  /**
   * Ends the run `failed` with `error`, consulting as little of the plan as it can: what the shell
   * falls back on when `decide` throws even on failing a node.
   */
  abandon(plan: Plan, state: RunState, error: ErrorInfo, at: number): Decision;
  /** A stored run's state, from its run row and path rows. */
  load(plan: Plan, run: RunRecord, nodes: readonly NodeRecord[]): RunState;
  /** Paths of the run that wait for an answer from outside (human nodes). */
  awaitingAnswer(plan: Plan, state: RunState): string[];
}
