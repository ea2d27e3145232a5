export { agentNode, type AgentStep } from './agent-node.js';
export { agentParams, type AgentParams } from './params.js';
export { APPROVAL_SCHEMA } from './approval.js';
