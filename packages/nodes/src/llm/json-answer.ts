/**
 * @module llm/json-answer
 * An answer that must be JSON matching the node's `json_schema`: read and validated (with the same
 * JSON Schema settings as a workflow's inputs); when it does not match, the model is shown its
 * problem once and asked again; a second miss fails with `invalid_output`.
 */
import { validateAgainst, WeftError } from '@weft/core';
import { invalidOutput } from './errors.js';
import type { ChatMessage, ChatResult, ChatUsage } from './types.js';

export interface JsonAnswer {
  result: ChatResult;
  json: unknown;
  /** Both calls' usage when a repair was needed. */
  usage: ChatUsage;
}

/**
 * @param ask makes one model call on these messages.
 * @param node the node's path, for messages.
 */
export async function jsonAnswer(
  ask: (messages: readonly ChatMessage[]) => Promise<ChatResult>,
  messages: readonly ChatMessage[],
  schema: Record<string, unknown>,
  node: string,
): Promise<JsonAnswer> {
  const first = await ask(messages);
  const checked = check(first, schema, node);
  if (checked.ok) return { result: first, json: checked.json, usage: first.usage };
  const repair: ChatMessage[] = [
    ...messages,
    { role: 'assistant', content: first.message.content ?? '' },
    {
      role: 'user',
      content:
        `Your answer does not match the required JSON Schema: ${checked.problem}. ` +
        'Answer again with only the corrected JSON.',
    },
  ];
  const second = await ask(repair);
  const again = check(second, schema, node);
  if (!again.ok) throw invalidOutput(node, again.problem);
  return { result: second, json: again.json, usage: addUsage(first.usage, second.usage) };
}

type Checked = { ok: true; json: unknown } | { ok: false; problem: string };

function check(result: ChatResult, schema: Record<string, unknown>, node: string): Checked {
  const text = result.message.content ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    validateAgainst(schema, json, { code: 'invalid_output', root: '$', what: 'the answer' });
    return { ok: true, json };
  } catch (e) {
    if (WeftError.is(e) && e.code === 'invalid_output') {
      const first = (e.details as { path: string; message: string }[] | undefined)?.[0];
      return {
        ok: false,
        problem: first === undefined ? e.message : `${first.path} ${first.message}`,
      };
    }
    throw new WeftError(
      'invalid_params',
      `${node}: json_schema is not a usable JSON Schema: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function addUsage(a: ChatUsage, b: ChatUsage): ChatUsage {
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    cached_tokens: a.cached_tokens + b.cached_tokens,
  };
}
