/**
 * @module @weft/nodes
 * The standard node types. `standardNodes` is what an Engine registers by default.
 */
import type { NodeType } from '@weft/core';
import { ifNode, switchNode } from './flow/branch.js';
import { foreachNode, humanNode, loopNode, subworkflowNode, waitNode } from './flow/control.js';
import {
  endNode,
  failNode,
  messageNode,
  noopNode,
  outputNode,
  setNode,
  transformNode,
} from './flow/data.js';
import { httpNode } from './http/index.js';

export * from './flow/branch.js';
export * from './flow/control.js';
export * from './flow/data.js';
export * from './http/index.js';

export const standardNodes: readonly NodeType[] = [
  setNode,
  transformNode,
  noopNode,
  failNode,
  messageNode,
  endNode,
  outputNode,
  ifNode,
  switchNode,
  foreachNode,
  loopNode,
  waitNode,
  humanNode,
  subworkflowNode,
  httpNode,
];
