/**
 * @module llm/budget
 * The run's and the node's `limits.tokens` before a model call: no call begins once either is
 * spent, and a call asks for at most what is left as its completion. What a call spent is counted
 * once it answered (the call that crosses a budget completes: it was paid for).
 */
import { WeftError, type NodeContext } from '@weft/core/plugin';
import type { ChatRequest, ChatUsage } from './types.js';

/** The request as the budget allows it. @throws WeftError `token_budget_exceeded` */
export function withinBudget(ctx: NodeContext, request: ChatRequest): ChatRequest {
  const left = ctx.tokens.left();
  if (left === undefined) return request;
  if (left <= 0) throw budgetSpent(ctx.path);
  if (request.max_tokens !== undefined && request.max_tokens <= left) return request;
  return { ...request, max_tokens: left };
}

/** Counts a call's tokens against the budgets. */
export function spend(ctx: NodeContext, usage: ChatUsage): void {
  ctx.tokens.spend(usage.total_tokens || usage.prompt_tokens + usage.completion_tokens);
}

/** The error of a node whose budget is spent, with the usage its calls had when it was. */
export function budgetSpent(node: string, usage?: ChatUsage): WeftError {
  return new WeftError(
    'token_budget_exceeded',
    `${node}: the token budget (limits.tokens of the workflow or the node) is spent; no model call is made`,
    usage === undefined ? {} : { details: { usage } },
  );
}
