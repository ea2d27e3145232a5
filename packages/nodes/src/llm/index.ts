/**
 * @module llm
 * The `llm` node type, and {@link chatComplete}: one chat completion with streaming, fallbacks and
 * classified errors, for other nodes that talk to a model (an agent loop).
 */
export { createLlmNode, llmNode, type LlmOutput } from './llm-node.js';
export { llmParams, type LlmParams } from './params.js';
export { chatComplete, type ChatOptions } from './chat-complete.js';
export { createTextStream, type TextStream } from './text-stream.js';
export type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatTool,
  ChatUsage,
  ModelTarget,
  ToolCall,
} from './types.js';
