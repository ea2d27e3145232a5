/**
 * @module agent/tools
 * The tools an agent offers its model, each with the JSON Schema of its arguments and a way to
 * call it: inline node specs (any registered node type with a `run`, rendered with the model's
 * arguments as `args`), stored workflows (a run per call), and the tools of MCP servers.
 */
import {
  compileValue,
  isRouted,
  nodeTypesOf,
  toPlainJson,
  toScopeValue,
  WeftError,
  workflowsOf,
  type CompiledValue,
  type NodeContext,
} from '@weft/core';
import { callMcpTool, listMcpTools } from '../mcp/index.js';
import type { ChatTool } from '../llm/types.js';
import type { AgentToolSpec, InlineToolSpec, McpToolsSpec, WorkflowToolSpec } from './params.js';

export interface AgentTool {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
  /** One call of the tool with the model's arguments; `key` is the call's idempotency key. */
  call(ctx: NodeContext, args: Record<string, unknown>, key: string): Promise<unknown>;
}

const ANY_OBJECT: Record<string, unknown> = { type: 'object' };

/** Builds every tool of the agent; names must be unique across them. */
export async function buildTools(
  ctx: NodeContext,
  specs: readonly AgentToolSpec[],
): Promise<Map<string, AgentTool>> {
  const tools = new Map<string, AgentTool>();
  for (const spec of specs) {
    const built =
      'id' in spec
        ? [inlineTool(ctx, spec)]
        : 'workflow' in spec
          ? [await workflowTool(ctx, spec)]
          : await mcpTools(ctx, spec);
    for (const tool of built) {
      if (tools.has(tool.name)) {
        throw new WeftError('invalid_params', `${ctx.path}: two tools are named "${tool.name}"`);
      }
      tools.set(tool.name, tool);
    }
  }
  return tools;
}

/** The tools as the Chat Completions API takes them. */
export function toChatTools(tools: ReadonlyMap<string, AgentTool>): ChatTool[] {
  return [...tools.values()].map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      parameters: t.parameters,
    },
  }));
}

function inlineTool(ctx: NodeContext, spec: InlineToolSpec): AgentTool {
  const base = {
    name: spec.id,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    parameters: spec.parameters ?? ANY_OBJECT,
  };
  if (spec.type === 'subworkflow') return subworkflowTool(ctx, spec, base);
  const type = nodeTypesOf(ctx).get(spec.type);
  if (type?.run === undefined || (type.expressions?.length ?? 0) > 0) {
    throw new WeftError(
      'invalid_params',
      `${ctx.path}: tool "${spec.id}" has type "${spec.type}", which ${type === undefined ? 'is not registered' : 'cannot run as a tool'}`,
    );
  }
  const run = type.run;
  // Raw parameters (a code body) are kept as written; the rest are templates over `args`.
  const raw = new Set(type.raw ?? []);
  const params = spec.with ?? {};
  const kept = Object.fromEntries(Object.entries(params).filter(([k]) => raw.has(k)));
  const rendered = compileValue(
    Object.fromEntries(Object.entries(params).filter(([k]) => !raw.has(k))),
  );
  return {
    ...base,
    async call(parent, args, key) {
      const values = renderOver(rendered, args);
      const parsed = type.params.safeParse({ ...(values as object), ...kept });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new WeftError(
          'invalid_params',
          `tool "${spec.id}": ${issue?.path.join('.') || '(params)'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const result: unknown = await run(toolContext(parent, key), parsed.data);
      return isRouted(result) ? result.output : result;
    },
  };
}

/** A tool's compiled `with`, rendered with the model's arguments as `args`. */
const renderOver = (rendered: CompiledValue, args: Record<string, unknown>): unknown =>
  toPlainJson(rendered.evaluate({ args: toScopeValue(args) }, { now: Date.now() }));

/** `type: subworkflow` inline: its `with` (workflow, version, input) rendered over `args`. */
function subworkflowTool(
  ctx: NodeContext,
  spec: InlineToolSpec,
  base: Omit<AgentTool, 'call'>,
): AgentTool {
  const rendered = compileValue(spec.with ?? {});
  const workflows = workflowsOf(ctx);
  return {
    ...base,
    async call(parent, args, key) {
      const w = renderOver(rendered, args) as {
        workflow?: unknown;
        version?: unknown;
        input?: unknown;
      };
      if (typeof w.workflow !== 'string') {
        throw new WeftError('invalid_params', `tool "${spec.id}": with.workflow must be a string`);
      }
      return workflows.call(parent.runId, {
        workflow: w.workflow,
        ...(typeof w.version === 'number' ? { version: w.version } : {}),
        input: w.input ?? args,
        key,
        signal: parent.signal,
      });
    },
  };
}

async function workflowTool(ctx: NodeContext, spec: WorkflowToolSpec): Promise<AgentTool> {
  const workflows = workflowsOf(ctx);
  const found = await workflows.describe(ctx.runId, spec.workflow, spec.version);
  const description = spec.description ?? found.description ?? found.name;
  return {
    name: spec.name ?? found.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
    ...(description === undefined ? {} : { description }),
    parameters: found.inputs ?? ANY_OBJECT,
    call: (parent, args, key) =>
      workflows.call(parent.runId, {
        workflow: found.id,
        version: found.version,
        input: args,
        key,
        signal: parent.signal,
      }),
  };
}

async function mcpTools(ctx: NodeContext, spec: McpToolsSpec): Promise<AgentTool[]> {
  const target = { server: spec.mcp, credential: spec.credential };
  const listed = await ctx.step(`mcp-tools:${spec.mcp}`.slice(0, 200), () =>
    listMcpTools(ctx, target),
  );
  const only = spec.only === undefined ? undefined : new Set(spec.only);
  return listed
    .filter((t) => only === undefined || only.has(t.name))
    .map((t) => ({
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      parameters: t.inputSchema,
      call: (parent, args) => callMcpTool(parent, target, { tool: t.name, arguments: args }),
    }));
}

/**
 * The context a tool's node runs with: its own idempotency key; its sub-steps are not recorded
 * apart (the whole call is one step of the agent's), and it cannot ask (list it in `approve`).
 */
function toolContext(parent: NodeContext, key: string): NodeContext {
  return {
    runId: parent.runId,
    workflowId: parent.workflowId,
    nodeId: parent.nodeId,
    path: parent.path,
    attempt: parent.attempt,
    idempotencyKey: key,
    get signal() {
      return parent.signal;
    },
    emit: parent.emit,
    log: parent.log,
    credentials: parent.credentials,
    services: parent.services,
    tokens: parent.tokens,
    ...(parent.hostAllow === undefined ? {} : { hostAllow: parent.hostAllow }),
    step: async (_name, fn) => fn(),
    ask: () =>
      Promise.reject(
        new WeftError('invalid_params', "a tool cannot ask; list it in the agent's `approve`"),
      ),
  };
}
