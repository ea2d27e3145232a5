/**
 * @module llm/params
 * The llm node's parameters (`with:`).
 */
import { z } from 'zod';

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** A fallback: another model on the same endpoint, or a model on another credential's endpoint. */
const fallback = z.union([
  z.string().min(1),
  z.strictObject({ credential: z.string().min(1).optional(), model: z.string().min(1) }),
]);

/** The model settings an llm node and an agent share. */
export const modelSettings = {
  /** A credential of type `openai`; without one, `OPENAI_API_KEY` / `OPENAI_BASE_URL`. */
  credential: z.string().min(1).optional(),
  model: z.string().min(1),
  system: z.string().optional(),
  /** The user's message, after `messages` when both are given. */
  prompt: z.string().optional(),
  messages: z.array(message).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  /** Tried in order when a call fails with 429, 5xx, a timeout or a connection error. */
  fallback: z.array(fallback).default([]),
  /** Stream tokens as `node.progress` events. */
  stream: z.boolean().default(true),
  /** How long one model call may take before it counts as timed out (and a fallback is tried). */
  call_timeout_ms: z.number().int().positive().optional(),
};

/** Either a prompt or messages: a model is asked something. */
export const asksSomething = (p: {
  prompt?: string | undefined;
  messages?: unknown[] | undefined;
}): boolean => p.prompt !== undefined || (p.messages?.length ?? 0) > 0;

export const ASKS_NOTHING = { message: 'give a prompt or messages', path: ['prompt'] };

/** Schema of the llm node's `with:` block. */
export const llmParams = z
  .strictObject({
    ...modelSettings,
    /** The answer must be JSON matching this schema; it is then the output's `json`. */
    json_schema: z.record(z.string(), z.unknown()).optional(),
  })
  .refine(asksSomething, ASKS_NOTHING);

export type LlmParams = z.infer<typeof llmParams>;
