/**
 * @module llm/budget
 * The budgets before a model call: the run's and the node's `limits.tokens`, and the node's
 * `budget` per period shared by the whole store. No call begins once one of them is spent, and a
 * call asks for at most what is left as its completion. What a call spent is counted once it
 * answered (the call that crosses a budget completes: it was paid for).
 */
import { WeftError, type NodeContext } from '@weft/core/plugin';
import type { ChatRequest, ChatUsage } from './types.js';

/** The request as the budgets allow it. @throws WeftError `token_budget_exceeded` */
export async function withinBudget(ctx: NodeContext, request: ChatRequest): Promise<ChatRequest> {
  const left = await ctx.tokens.allowance();
  if (left === undefined) return request;
  if (left <= 0) throw budgetSpent(ctx.path);
  if (request.max_tokens !== undefined && request.max_tokens <= left) return request;
  return { ...request, max_tokens: left };
}

/** Counts a call's tokens against the budgets. */
export function spend(ctx: NodeContext, usage: ChatUsage): void {
  ctx.tokens.spend(usage.total_tokens || usage.prompt_tokens + usage.completion_tokens);
}

/** The error of a node whose `limits.tokens` is spent. */
export function budgetSpent(node: string): WeftError {
  return new WeftError(
    'token_budget_exceeded',
    `${node}: the token budget (limits.tokens of the workflow or the node) is spent; no model call is made`,
  );
}

/** A spent budget's error with the usage of the node's calls so far added to its details. */
export function withUsage(e: WeftError, usage: ChatUsage): WeftError {
  const details = typeof e.details === 'object' && e.details !== null ? e.details : {};
  return new WeftError(e.code, e.message, { details: { ...details, usage } });
}
