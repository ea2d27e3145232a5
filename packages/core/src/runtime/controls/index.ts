/**
 * @module runtime/controls
 * The built-in control node types: registered like any node type (so that their parameters are
 * validated and documented the same way), driven by the decider through their behaviour hooks.
 */
import { foreachNode } from './foreach.js';
import { humanNode } from './human.js';
import { loopNode } from './loop.js';
import { subworkflowNode } from './subworkflow.js';
import type { ControlNodeType } from './types.js';
import { waitNode } from './wait.js';

export { foreachNode, humanNode, loopNode, subworkflowNode, waitNode };

export const controlNodeTypes: readonly ControlNodeType[] = [
  foreachNode,
  loopNode,
  waitNode,
  humanNode,
  subworkflowNode,
];
