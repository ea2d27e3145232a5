/**
 * @module llm/chat-complete
 * One chat completion with fallbacks: the reusable model call of the `llm` node and of an agent
 * loop. Messages (and tools) in; the assistant's message, usage, model and finish reason out; text
 * streamed as coalesced `node.progress` events; failures named and classified.
 *
 * @example
 * ```ts
 * const result = await ctx.step('model', () =>
 *   chatComplete(ctx, { target: { model: 'gpt-4o-mini' }, messages, tools }),
 * );
 * ```
 */
import type { NodeContext } from '@weft/core/plugin';
import { createSsrfGuard, type SsrfGuard } from '../http/ssrf.js';
import { spend, withinBudget } from './budget.js';
import { resolveEndpoint } from './endpoint.js';
import { llmError } from './errors.js';
import { callModel } from './model-call.js';
import { createTextStream, type TextStream } from './text-stream.js';
import type { ChatRequest, ChatResult } from './types.js';

export interface ChatOptions {
  /** @default a guard reading `WEFT_HTTP_ALLOW` at every call (plus the run's `hostAllow`). */
  guard?: SsrfGuard;
  /**
   * Where text goes; share one across the calls of an execution so that a failed call's text is
   * reset before the next one's. @default a new one for this call.
   */
  text?: TextStream;
}

const defaultGuard = createSsrfGuard();

/**
 * Calls `request.target`, then each fallback in turn while the failure is retryable (429, 5xx,
 * timeouts, connection errors); any other failure, or the last one, is thrown.
 * Refused before any call once the run's or the node's `limits.tokens`, or the node's `budget` for
 * the period, is spent.
 * @throws WeftError `token_budget_exceeded`, `llm_auth`, `llm_status`, `network_error`, `timeout`, `ssrf_blocked`,
 *   `aborted`, `invalid_config`, `invalid_params`, `credential_not_found`.
 */
export async function chatComplete(
  ctx: NodeContext,
  request: ChatRequest,
  options: ChatOptions = {},
): Promise<ChatResult> {
  const allowed = await withinBudget(ctx, request);
  const text = options.text ?? createTextStream(ctx);
  const targets = [
    request.target,
    ...(request.fallback ?? []).map((f) => ({
      model: f.model,
      credential: f.credential ?? request.target.credential,
    })),
  ];
  for (let i = 0; ; i++) {
    const target = targets[i] ?? request.target;
    const endpoint = await resolveEndpoint(ctx, target.credential);
    try {
      const result = await callModel({
        endpoint,
        model: target.model,
        request: allowed,
        guard: options.guard ?? defaultGuard,
        signal: ctx.signal,
        hostAllow: ctx.hostAllow,
        text,
      });
      spend(ctx, result.usage);
      return result;
    } catch (e) {
      const error = llmError(
        e,
        { node: ctx.path, ...target, baseUrl: endpoint.baseUrl },
        ctx.signal,
      );
      text.discard();
      const next = targets[i + 1];
      if (next === undefined || !error.retryable || ctx.signal.aborted) throw error;
      ctx.log.warn(
        { model: target.model, next: next.model, code: error.code },
        'model call failed; trying the next fallback',
      );
    }
  }
}
