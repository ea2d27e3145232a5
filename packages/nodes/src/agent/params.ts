/**
 * @module agent/params
 * The agent node's parameters (`with:`): the llm node's model settings plus its tools, a step
 * bound and the tools that need an approval. `tools` is kept verbatim by the decider (`raw`): an
 * inline tool's `with` holds templates over `args`, rendered per call.
 */
import { z } from 'zod';
import { ASKS_NOTHING, asksSomething, modelSettings } from '../llm/params.js';

/** A tool's name as the model sees it (OpenAI's rule). */
const toolName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tool name is 1-64 of A-Z a-z 0-9 _ -');

/** An inline node spec: its `id` is the tool's name, the model's arguments are `args` in `with`. */
const inlineTool = z.strictObject({
  id: toolName,
  type: z.string().min(1),
  description: z.string().max(4096).optional(),
  /** JSON Schema of the arguments. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});

/** A stored workflow as a tool: its `inputs` are the arguments, its output the result. */
const workflowTool = z.strictObject({
  workflow: z.string().min(1),
  version: z.number().int().positive().optional(),
  name: toolName.optional(),
  description: z.string().max(4096).optional(),
});

/** The tools of an MCP server (stdio command line or streamable-HTTP URL). */
const mcpTools = z.strictObject({
  mcp: z.string().min(1),
  credential: z.string().min(1).optional(),
  /** Only these of the server's tools. @default all */
  only: z.array(z.string().min(1)).optional(),
});

export const agentTool = z.union([inlineTool, workflowTool, mcpTools]);
export type AgentToolSpec = z.infer<typeof agentTool>;
export type InlineToolSpec = z.infer<typeof inlineTool>;
export type WorkflowToolSpec = z.infer<typeof workflowTool>;
export type McpToolsSpec = z.infer<typeof mcpTools>;

export const agentParams = z
  .strictObject({
    ...modelSettings,
    tools: z.array(agentTool).max(128).default([]),
    /** Model calls at most; reaching it fails the node with `agent_max_steps`. */
    max_steps: z.number().int().min(1).max(1000).default(10),
    /** Tool names whose calls wait for an approval (answered as a `human` node is). */
    approve: z.array(z.string().min(1)).default([]),
  })
  .refine(asksSomething, ASKS_NOTHING);

export type AgentParams = z.infer<typeof agentParams>;
