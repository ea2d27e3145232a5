/**
 * @module llm/model-call
 * One Chat Completions call on one endpoint through the OpenAI SDK, streamed or not, read into a
 * {@link ChatResult}. The SDK does not retry (`maxRetries: 0`): the node's retry policy and its
 * fallbacks own that.
 */
import type * as OpenAIModule from 'openai';
import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
} from 'openai/resources/chat/completions';
import { WeftError } from '@weft/core/plugin';
import type { SsrfGuard } from '../http/ssrf.js';
import type { Endpoint } from './endpoint.js';
import { guardedFetch } from './guarded-fetch.js';
import type { TextStream } from './text-stream.js';
import type { ChatRequest, ChatResult, ChatUsage, ToolCall } from './types.js';

export interface ModelCall {
  endpoint: Endpoint;
  model: string;
  request: ChatRequest;
  guard: SsrfGuard;
  signal: AbortSignal;
  hostAllow: readonly string[] | undefined;
  text: TextStream;
}

// Loaded by the first model call: the SDK is large, and most processes never call a model.
let sdk: Promise<typeof OpenAIModule> | undefined;

export async function callModel(node: ModelCall): Promise<ChatResult> {
  // A signal of this call's own: what the SDK hangs on it goes with the call, instead of piling up
  // on the node's signal over an agent's hundreds of calls.
  const call = { ...node, signal: AbortSignal.any([node.signal]) };
  const { default: OpenAIClient } = await (sdk ??= import('openai'));
  const client = new OpenAIClient({
    apiKey: call.endpoint.apiKey,
    baseURL: call.endpoint.baseUrl,
    maxRetries: 0,
    fetch: guardedFetch(call.guard, call.signal, call.hostAllow),
    ...(call.request.timeout_ms === undefined ? {} : { timeout: call.request.timeout_ms }),
  });
  const body = requestBody(call);
  return call.request.stream === false
    ? read(
        await client.chat.completions.create({ ...body, stream: false }, { signal: call.signal }),
      )
    : readStream(client, body, call);
}

function requestBody({ model, request }: ModelCall): ChatCompletionCreateParamsBase {
  const body: ChatCompletionCreateParamsBase = {
    model,
    messages: request.messages as ChatCompletionCreateParamsBase['messages'],
  };
  if (request.tools !== undefined && request.tools.length > 0)
    body.tools = request.tools as ChatCompletionCreateParamsBase['tools'];
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.max_tokens !== undefined) body.max_tokens = request.max_tokens;
  if (request.json_schema !== undefined) {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: request.json_schema, strict: false },
    };
  }
  return body;
}

function read(completion: ChatCompletion): ChatResult {
  const choice = completion.choices[0];
  const calls = choice?.message.tool_calls?.filter((t) => t.type === 'function') ?? [];
  return {
    message: {
      role: 'assistant',
      content: choice?.message.content ?? null,
      ...(calls.length > 0
        ? {
            tool_calls: calls.map((t) => ({
              id: t.id,
              type: 'function' as const,
              function: { name: t.function.name, arguments: t.function.arguments },
            })),
          }
        : {}),
    },
    usage: usageOf(completion.usage),
    model: completion.model,
    finish_reason: choice?.finish_reason ?? 'stop',
  };
}

async function readStream(
  client: OpenAI,
  body: ChatCompletionCreateParamsBase,
  call: ModelCall,
): Promise<ChatResult> {
  const stream = await client.chat.completions.create(
    { ...body, stream: true, stream_options: { include_usage: true } },
    { signal: call.signal },
  );
  let content: string | null = null;
  const tools: ToolCall[] = [];
  let finish: string | undefined;
  let usage: ChatCompletionChunk['usage'];
  let model = call.model;
  for await (const chunk of stream) {
    model = chunk.model || model;
    usage = chunk.usage ?? usage;
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    const delta = choice.delta.content;
    if (typeof delta === 'string' && delta !== '') {
      content = (content ?? '') + delta;
      call.text.write(delta);
    }
    for (const t of choice.delta.tool_calls ?? []) {
      const slot = (tools[t.index] ??= {
        id: '',
        type: 'function',
        function: { name: '', arguments: '' },
      });
      if (t.id !== undefined) slot.id = t.id;
      if (t.function?.name !== undefined) slot.function.name += t.function.name;
      if (t.function?.arguments !== undefined) slot.function.arguments += t.function.arguments;
    }
    finish = choice.finish_reason ?? finish;
  }
  if (finish === undefined) {
    throw new WeftError('network_error', 'the answer stream ended before the answer was finished', {
      retryable: true,
      level: 'operational',
    });
  }
  call.text.flush();
  return {
    message: { role: 'assistant', content, ...(tools.length > 0 ? { tool_calls: tools } : {}) },
    usage: usageOf(usage),
    model,
    finish_reason: finish,
  };
}

function usageOf(usage: ChatCompletion['usage'] | null | undefined): ChatUsage {
  return {
    prompt_tokens: usage?.prompt_tokens ?? 0,
    completion_tokens: usage?.completion_tokens ?? 0,
    total_tokens: usage?.total_tokens ?? 0,
    cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}
