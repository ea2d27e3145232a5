/**
 * @module cli/prompt-text
 * The line shown for a waiting node's prompt: a `human` node's text as it is, or a structured
 * prompt's `text` with the rest as JSON (an agent's approval: the tool's arguments).
 */

/** The prompt as one line of text; `undefined` when there is none to show. */
export function promptText(prompt: unknown): string | undefined {
  if (typeof prompt === 'string') return prompt;
  if (typeof prompt !== 'object' || prompt === null) return undefined;
  const { text, ...rest } = prompt as Record<string, unknown>;
  const more = Object.keys(rest).length > 0 ? JSON.stringify(rest) : undefined;
  if (typeof text !== 'string') return more;
  return more === undefined ? text : `${text} ${more}`;
}
