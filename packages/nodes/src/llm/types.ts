/**
 * @module llm/types
 * The shapes of one chat-completion call, as the llm node and an agent loop exchange them: plain
 * JSON, so that a call's result can be recorded as a durable sub-step.
 */

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string };

/** A tool the model may call, as the Chat Completions API takes it. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens the provider served from its cache. */
  cached_tokens: number;
}

/** A model, on the endpoint of a credential (default: the request's, or the environment's). */
export interface ModelTarget {
  model: string;
  credential?: string | undefined;
}

export interface ChatRequest {
  target: ModelTarget;
  /** Tried in order when a call fails with a retryable error (429, 5xx, timeout, connection). */
  fallback?: readonly ModelTarget[];
  messages: readonly ChatMessage[];
  tools?: readonly ChatTool[];
  temperature?: number | undefined;
  max_tokens?: number | undefined;
  /** Sent as `response_format: { type: 'json_schema' }`. */
  json_schema?: Record<string, unknown> | undefined;
  /** @default true */
  stream?: boolean;
  /** One call's time limit in ms. @default 600000 (the SDK's) */
  timeout_ms?: number | undefined;
}

/** One call's answer: what is worth keeping, never the prompt. */
export interface ChatResult {
  message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] };
  usage: ChatUsage;
  /** The model that answered (a fallback's, when one was used). */
  model: string;
  finish_reason: string;
}
