/**
 * @module agent/agent-node
 * The `agent` node: a tool-calling loop. Each model call and each tool call is a durable sub-step
 * (`ctx.step`), so that after a crash, a retry or an approval nothing recorded is called again; a
 * step stores only its own new data (the model's message, a tool's result), so the stored history
 * grows linearly with the steps. The conversation is rebuilt from the replayed steps.
 */
import { defineNode, WeftError, type NodeContext } from '@weft/core/plugin';
import { chatComplete } from '../llm/chat-complete.js';
import { withUsage } from '../llm/budget.js';
import type { ChatMessage, ChatRequest, ChatResult, ChatUsage, ToolCall } from '../llm/types.js';
import { askApproval, type Verdict } from './approval.js';
import { agentParams, type AgentParams } from './params.js';
import { buildTools, toChatTools, type AgentTool } from './tools.js';

/** One entry of the output's `steps`. */
export type AgentStep =
  | { type: 'model'; model: string; finish_reason: string; text: string | null; usage: ChatUsage }
  | { type: 'tool'; tool: string; call_id: string; arguments: unknown; result: unknown };

export const agentNode = defineNode({
  type: 'agent',
  description:
    'A tool-calling loop: a model with `tools` (inline node specs, stored workflows, MCP servers), `max_steps`, and `approve` for calls that wait for a person. Output { text, steps, usage }.',
  params: agentParams,
  raw: ['tools'],
  // Its streamed text reaches clients in graph order, as an llm node's does; each of its model
  // calls is judged by the node's budgets.
  flags: { ordersMessages: true, spendsTokens: true },
  run: (ctx, p) => runAgent(ctx, p),
});

async function runAgent(ctx: NodeContext, p: AgentParams) {
  const tools = await buildTools(ctx, p.tools);
  const chatTools = toChatTools(tools);
  const approve = new Set(p.approve);
  const messages = firstMessages(p);
  const steps: AgentStep[] = [];
  const usage: ChatUsage = {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cached_tokens: 0,
  };
  const target = { model: p.model, credential: p.credential };
  const fallback = p.fallback.map((f) => (typeof f === 'string' ? { model: f } : f));
  for (let n = 1; n <= p.max_steps; n++) {
    const answer: ChatResult = await ctx.step(`model:${n}`, () =>
      modelCall(ctx, usage, {
        target,
        fallback,
        messages,
        ...(chatTools.length > 0 ? { tools: chatTools } : {}),
        temperature: p.temperature,
        max_tokens: p.max_tokens,
        stream: p.stream,
        timeout_ms: p.call_timeout_ms,
      }),
    );
    add(usage, answer.usage);
    messages.push(answer.message);
    steps.push({
      type: 'model',
      model: answer.model,
      finish_reason: answer.finish_reason,
      text: answer.message.content,
      usage: answer.usage,
    });
    const calls = answer.message.tool_calls ?? [];
    if (calls.length === 0) return { text: answer.message.content ?? '', steps, usage };
    // Approvals are asked one by one before any call of this turn runs.
    const verdicts: Verdict[] = [];
    for (const call of calls) {
      const args = parseArguments(call);
      if (args === undefined) {
        verdicts.push({ run: false, result: { error: 'the arguments are not a JSON object' } });
      } else if (approve.has(call.function.name)) {
        const id = `${n}:${call.id}`;
        verdicts.push(await askApproval(ctx, { id, tool: call.function.name, args }));
      } else verdicts.push({ run: true, args });
    }
    const results = await Promise.all(
      calls.map((call, i) => {
        const verdict = verdicts[i] as Verdict;
        if (!verdict.run) return verdict.result;
        return ctx.step(`tool:${call.function.name}`.slice(0, 200), () =>
          // Call ids are the model's: unique in a turn, not always across turns.
          callTool(ctx, tools.get(call.function.name), call, verdict.args, `${n}:${call.id}`),
        );
      }),
    );
    calls.forEach((call, i) => {
      const result = results[i];
      const verdict = verdicts[i] as Verdict;
      messages.push({ role: 'tool', tool_call_id: call.id, content: asText(result) });
      steps.push({
        type: 'tool',
        tool: call.function.name,
        call_id: call.id,
        arguments: verdict.run ? verdict.args : (parseArguments(call) ?? call.function.arguments),
        result,
      });
    });
  }
  throw new WeftError(
    'agent_max_steps',
    `${ctx.path}: the agent made ${p.max_steps} model calls (max_steps) without a final answer`,
    { details: { usage, steps: steps.length } },
  );
}

/** One model call; a spent budget is reported with the usage of the agent's calls so far. */
async function modelCall(ctx: NodeContext, usage: ChatUsage, request: ChatRequest) {
  try {
    return await chatComplete(ctx, request);
  } catch (e) {
    if (WeftError.is(e) && e.code === 'token_budget_exceeded') throw withUsage(e, usage);
    throw e;
  }
}

function firstMessages(p: AgentParams): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (p.system !== undefined) messages.push({ role: 'system', content: p.system });
  for (const m of p.messages ?? []) {
    messages.push(m.role === 'assistant' ? { role: 'assistant', content: m.content } : m);
  }
  if (p.prompt !== undefined) messages.push({ role: 'user', content: p.prompt });
  return messages;
}

/**
 * A tool's failure goes back to the model as the call's result, as agent loops do, so that it can
 * correct its arguments or choose otherwise; a stop of the node itself (timeout, cancel) does not.
 */
async function callTool(
  ctx: NodeContext,
  tool: AgentTool | undefined,
  call: ToolCall,
  args: Record<string, unknown>,
  callKey: string,
): Promise<unknown> {
  if (tool === undefined)
    return { error: { code: 'tool_not_found', message: `no tool "${call.function.name}"` } };
  try {
    const result = await tool.call(ctx, args, `${ctx.idempotencyKey}:${callKey}`);
    return result ?? null;
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const err = WeftError.is(e) ? e : new WeftError('tool_error', String(e));
    ctx.log.warn(
      { tool: call.function.name, code: err.code },
      'tool call failed; the model is told',
    );
    return { error: { code: err.code, message: err.message } };
  }
}

function parseArguments(call: ToolCall): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(call.function.arguments || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

function add(total: ChatUsage, more: ChatUsage): void {
  total.prompt_tokens += more.prompt_tokens;
  total.completion_tokens += more.completion_tokens;
  total.total_tokens += more.total_tokens;
  total.cached_tokens += more.cached_tokens;
}
