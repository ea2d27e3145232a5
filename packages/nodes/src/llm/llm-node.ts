/**
 * @module llm/llm-node
 * The `llm` node type: one chat completion against an OpenAI-compatible endpoint, its text streamed
 * as `node.progress` events (in graph order among parallel llm and message nodes), with fallbacks
 * and, given `json_schema`, a validated JSON answer. Output
 * `{ text, json?, usage, model, finish_reason }`. See docs/nodes.md.
 *
 * @example
 * ```ts
 * registry.register(llmNode); // SSRF guard reads WEFT_HTTP_ALLOW at every call
 * registry.register(createLlmNode({ allow: ['10.0.0.0/8'] })); // or a fixed allow-list
 * ```
 */
import { defineNode } from '@weft/core/plugin';
import { createSsrfGuard, type SsrfGuardOptions } from '../http/ssrf.js';
import { chatComplete } from './chat-complete.js';
import { jsonAnswer } from './json-answer.js';
import { llmParams, type LlmParams } from './params.js';
import { createTextStream } from './text-stream.js';
import type { ChatMessage, ChatRequest, ChatResult, ChatUsage } from './types.js';

/** The llm node's output. */
export interface LlmOutput {
  text: string;
  /** The parsed answer, when `json_schema` is given. */
  json?: unknown;
  usage: ChatUsage;
  model: string;
  finish_reason: string;
}

/** Creates an `llm` node type with its own SSRF guard settings. */
export function createLlmNode(options: SsrfGuardOptions = {}) {
  const guard = createSsrfGuard(options);
  return defineNode({
    type: 'llm',
    description:
      'Asks a model (OpenAI-compatible) and outputs { text, json?, usage }, streaming tokens.',
    params: llmParams,
    flags: { ordersMessages: true, spendsTokens: true },
    run: async (ctx, p): Promise<LlmOutput> => {
      const text = createTextStream(ctx);
      const request = (messages: readonly ChatMessage[]): ChatRequest => ({
        target: { model: p.model, credential: p.credential },
        fallback: p.fallback.map((f) => (typeof f === 'string' ? { model: f } : f)),
        messages,
        temperature: p.temperature,
        max_tokens: p.max_tokens,
        json_schema: p.json_schema,
        stream: p.stream,
        timeout_ms: p.call_timeout_ms,
      });
      // Each call is a durable step holding its answer only; the prompt is in the definition.
      const ask = (messages: readonly ChatMessage[]) =>
        ctx.step('model', () => chatComplete(ctx, request(messages), { guard, text }));
      const messages = messagesOf(p);
      if (p.json_schema === undefined) return output(await ask(messages));
      const answer = await jsonAnswer(
        async (m) => {
          // The answer being repaired was streamed; the repaired one replaces it.
          text.discard();
          return ask(m);
        },
        messages,
        p.json_schema,
        ctx.path,
      );
      return { ...output(answer.result, answer.usage), json: answer.json };
    },
  });
}

/** The `llm` node type, allow-listing from `WEFT_HTTP_ALLOW` (read at every call). */
export const llmNode = createLlmNode();

function messagesOf(p: LlmParams): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (p.system !== undefined) out.push({ role: 'system', content: p.system });
  for (const m of p.messages ?? []) out.push(m);
  if (p.prompt !== undefined) out.push({ role: 'user', content: p.prompt });
  return out;
}

function output(result: ChatResult, usage = result.usage): LlmOutput {
  return {
    text: result.message.content ?? '',
    usage,
    model: result.model,
    finish_reason: result.finish_reason,
  };
}
