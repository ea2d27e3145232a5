/**
 * @module runtime/controls
 * The built-in control node types: registered like any node type (so that their parameters are
 * validated and documented the same way), driven by the decider through their behaviour hooks.
 */
import type { ControlKind } from '../../compile/plan.js';
import { foreachNode } from './foreach.js';
import { humanNode } from './human.js';
import { loopNode } from './loop.js';
import { subworkflowNode } from './subworkflow.js';
import { CONTROL, type Control, type ControlNodeType } from './types.js';
import { waitNode } from './wait.js';

export { foreachNode, humanNode, loopNode, subworkflowNode, waitNode };

export const controlNodeTypes: readonly ControlNodeType[] = [
  foreachNode,
  loopNode,
  waitNode,
  humanNode,
  subworkflowNode,
];

/**
 * The behaviour of each control, by the kind a plan node names (`PlanNode.control`): the plan
 * holds the name, not the behaviour, so that compiled plans do not depend on the runtime. A
 * property read per hook call, nothing allocated.
 */
export const CONTROLS: Readonly<Record<ControlKind, Control>> = {
  foreach: foreachNode[CONTROL],
  loop: loopNode[CONTROL],
  wait: waitNode[CONTROL],
  human: humanNode[CONTROL],
  subworkflow: subworkflowNode[CONTROL],
};
