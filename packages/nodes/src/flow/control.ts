/**
 * @module flow/control
 * Node types that the core drives itself: bodies (foreach, loop), durable waits, human answers
 * and child runs. They are registered like any other type so that their parameters are validated
 * and documented the same way; they have no `run`.
 */
import { defineNode } from '@weft/core';
import { z } from 'zod';

const duration = z.union([z.string(), z.number().nonnegative()]);

export const foreachNode = defineNode({
  type: 'foreach',
  description:
    'Runs its body (nested `nodes`/`edges`, or a child run of `workflow` with `input`, default the item) once per item of `items`, `concurrency` at a time. Output: the body outputs in item order.',
  params: z
    .object({
      items: z.string(),
      concurrency: z.number().int().min(1).max(1000).default(1),
      workflow: z.string().min(1).optional(),
      version: z.number().int().min(1).optional(),
      input: z.unknown().optional(),
    })
    .strict(),
  expressions: ['items'],
  control: 'foreach',
});

export const loopNode = defineNode({
  type: 'loop',
  description:
    'Runs its body again while `while` holds after an iteration, at most `max_iterations` times. Output: { output, iterations }.',
  params: z
    .object({
      while: z.string(),
      max_iterations: z.number().int().min(1).max(100_000).default(100),
    })
    .strict(),
  expressions: ['while'],
  control: 'loop',
});

export const waitNode = defineNode({
  type: 'wait',
  description: 'A durable timer: waits `duration` (ISO 8601 or ms) or `until` a timestamp.',
  params: z
    .object({ duration: duration.optional(), until: z.union([z.string(), z.number()]).optional() })
    .strict()
    .refine((p) => (p.duration === undefined) !== (p.until === undefined), {
      message: 'give exactly one of `duration` and `until`',
    }),
  control: 'wait',
});

export const humanNode = defineNode({
  type: 'human',
  description:
    'Waits for an answer posted to the run; the answer is validated against `schema` and becomes the output. `timeout` takes the `timeout` port.',
  params: z
    .object({
      prompt: z.string(),
      schema: z.record(z.string(), z.unknown()).optional(),
      timeout: duration.optional(),
    })
    .strict(),
  raw: ['schema'],
  ports: ['timeout'],
  control: 'human',
});

export const subworkflowNode = defineNode({
  type: 'subworkflow',
  description:
    "Runs another workflow as a child run and waits for it; output: the child's outputs.",
  params: z
    .object({
      workflow: z.string().min(1),
      version: z.number().int().min(1).optional(),
      input: z.unknown().optional(),
    })
    .strict(),
  control: 'subworkflow',
});
