/**
 * @module sw
 * The node types that Serverless Workflow tasks are compiled to (packages/serverless-workflow):
 * `jq` (set, switch, and the filters of composite tasks), `jq.output`, `sw.catch`, `sw.raise`,
 * `sw.http`, `sw.openapi`, `sw.emit` and `sw.listen`. Control flow (do, then, for, fork, try,
 * wait, run) is the graph's own.
 */
import { catchNode } from './catch.js';
import { swEmitNode, swListenNode } from './events.js';
import { swHttpNode } from './http.js';
import { jqNode, jqOutputNode } from './jq.js';
import { swOpenApiNode } from './openapi.js';
import { raiseNode } from './raise.js';

export { catchNode } from './catch.js';
export { asSwError } from './errors.js';
export { swEmitNode, swListenNode } from './events.js';
export { swHttpNode } from './http.js';
export { jqNode, jqOutputNode } from './jq.js';
export { swOpenApiNode } from './openapi.js';
export { raiseNode } from './raise.js';

export const serverlessWorkflowNodes = [
  jqNode,
  jqOutputNode,
  catchNode,
  raiseNode,
  swHttpNode,
  swOpenApiNode,
  swEmitNode,
  swListenNode,
];
