/**
 * @module runtime/machine/logic
 * The run logic of state-machine workflows: the machine in the run row, its actions as node
 * rows, answers to `human` actions as a graph run's.
 */
import { graphLogic } from '../graph.js';
import { fromRecords } from '../persist.js';
import type { RunLogic } from '../run-logic.js';
import { createRunState } from '../state.js';
import { abandonMachine, decideMachine } from './decide.js';

export const machineLogic: RunLogic = {
  kind: 'state-machine',
  initialState: createRunState,
  decide: decideMachine,
  abandon: abandonMachine,
  load: (_plan, run, nodes) => fromRecords(run, nodes),
  // Its `human` actions are answered as a graph's human nodes are.
  awaitingAnswer: (plan, state) => graphLogic.awaitingAnswer(plan, state),
};
