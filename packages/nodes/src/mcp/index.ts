/**
 * @module mcp
 * MCP (Model Context Protocol) client side: the `tool` node type, and the session API that an
 * `agent` node uses to list a server's tools and call them.
 */
export { createToolNode, toolNode } from './tool-node.js';
export { toolParams, type ToolParams } from './params.js';
export {
  callMcpTool,
  listMcpTools,
  openMcpSession,
  type McpCallOutput,
  type McpSession,
  type McpSessionOptions,
  type McpToolInfo,
} from './session.js';
export { type McpTarget } from './transport.js';
export { splitCommandLine } from './command-line.js';
