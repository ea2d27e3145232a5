/**
 * @module @weft/nodes
 * The standard node types. `standardNodes` is what an Engine registers by default: these and
 * core's control types.
 */
import { controlNodeTypes, type NodeType } from '@weft/core';
import { ifNode, switchNode } from './flow/branch.js';
import {
  endNode,
  failNode,
  messageNode,
  noopNode,
  outputNode,
  setNode,
  transformNode,
} from './flow/data.js';
import { codeNode } from './code/index.js';
import { httpNode } from './http/index.js';
import { toolNode } from './mcp/index.js';
import { llmNode } from './llm/index.js';
import { knowledgeNode } from './knowledge/index.js';
import { memoryNode } from './memory/index.js';
import { agentNode } from './agent/index.js';
import { serverlessWorkflowNodes } from './sw/index.js';

export * from './flow/branch.js';
export * from './flow/data.js';
export * from './http/index.js';
export * from './code/index.js';
export * from './mcp/index.js';
export * from './llm/index.js';
export * from './memory/index.js';
export * from './knowledge/index.js';
export * from './agent/index.js';
export * from './sw/index.js';
export { runtimeExpression, bareExpression } from './sw/data.js';

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
  // foreach, loop, wait, human, subworkflow: driven by the decider, so defined in core.
  ...controlNodeTypes,
  httpNode,
  codeNode,
  toolNode,
  llmNode,
  memoryNode,
  knowledgeNode,
  agentNode,
  ...serverlessWorkflowNodes,
];
