/**
 * @module memory/memory-node
 * The `memory` node type: a conversation's messages kept in the store per session key, for the
 * run's tenant. `read` outputs `{ messages }` (the newest within `window`, oldest first), `append`
 * `{ appended, total }`, `clear` `{ cleared }`.
 *
 * @example
 * ```yaml
 * - id: history
 *   type: memory
 *   with: { session: "chat-{{ inputs.user }}", op: read, window: { tokens: 2000 } }
 * ```
 */
import { defineNode, memoryOf, type MemoryMessage } from '@weft/core/plugin';
import { memoryParams } from './params.js';

export const memoryNode = defineNode({
  type: 'memory',
  description:
    'Conversation memory per `session` in the store: `op` read (within `window`), append `messages`, or clear.',
  params: memoryParams,
  run: async (ctx, p) => {
    const memory = memoryOf(ctx);
    switch (p.op) {
      case 'read': {
        const messages = await memory.read(p.session, p.window);
        return { messages };
      }
      case 'append': {
        const messages = (p.messages ?? []) as MemoryMessage[];
        // A sub-step: a node run again after its append was recorded does not append twice.
        const { total } = await ctx.step('append', () => memory.append(p.session, messages));
        return { appended: messages.length, total };
      }
      case 'clear':
        return { cleared: await ctx.step('clear', () => memory.clear(p.session)) };
    }
  },
});
