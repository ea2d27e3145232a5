/**
 * @module runtime/graph
 * The run logic of graph workflows: the decision function over a DAG of nodes, with its state
 * kept as one row per node path.
 */
import { CONTROLS } from './controls/index.js';
import { abandon, decide } from './decide.js';
import { Decider } from './decider.js';
import { fromRecords } from './persist.js';
import type { RunLogic } from './run-logic.js';
import { createRunState } from './state.js';

export const graphLogic: RunLogic = {
  kind: 'graph',
  initialState: createRunState,
  decide,
  abandon,
  load: (_plan, run, nodes) => fromRecords(run, nodes),
  awaitingAnswer(plan, state) {
    const d = new Decider(plan, state, 0);
    const paths: string[] = [];
    for (const s of state.nodes.values()) {
      if (s.kind !== 'node' || s.status !== 'waiting') continue;
      if (s.asking !== undefined) {
        paths.push(s.path);
        continue;
      }
      const control = d.planNode(s).control;
      if (control !== undefined && CONTROLS[control].answer) paths.push(s.path);
    }
    return paths;
  },
};
