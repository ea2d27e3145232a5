/**
 * @module memory/params
 * The `memory` node's parameters, bounded as the store bounds them (see `MEMORY_LIMITS`).
 */
import { MEMORY_LIMITS } from '@weft/core/plugin';
import { z } from 'zod';

const message = z.looseObject({ role: z.string().min(1), content: z.unknown() });

export const memoryParams = z
  .strictObject({
    /** The conversation's key, usually a template (`chat-{{ inputs.user }}`). */
    session: z.string().min(1).max(MEMORY_LIMITS.name),
    op: z.enum(['read', 'append', 'clear']).default('read'),
    /** For `append`: `{ role, content, ... }` objects, kept as given. */
    messages: z.array(message).max(MEMORY_LIMITS.append).optional(),
    /** For `read`: the newest messages within both bounds (tokens ≈ characters / 4). */
    window: z
      .strictObject({
        messages: z.number().int().min(0).max(MEMORY_LIMITS.read).optional(),
        tokens: z.number().int().min(0).optional(),
      })
      .optional(),
  })
  .refine((p) => p.op !== 'append' || p.messages !== undefined, {
    message: '`messages` is required to append',
    path: ['messages'],
  });

export type MemoryParams = z.infer<typeof memoryParams>;
