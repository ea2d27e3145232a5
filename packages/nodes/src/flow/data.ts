/**
 * @module flow/data
 * Data-shaping node types: set, transform, noop, fail, message, end/output.
 */
import { customCode, defineNode, WeftError } from '@weft/core/plugin';
import { z } from 'zod';

export const setNode = defineNode({
  type: 'set',
  description: 'Outputs an object built from templates: `values` maps names to values.',
  params: z.object({ values: z.record(z.string(), z.unknown()) }).strict(),
  run: (_ctx, p) => p.values,
});

export const transformNode = defineNode({
  type: 'transform',
  description: 'Outputs the value of a JSONata `expression` over the run scope.',
  // The expression arrives evaluated: the engine evaluates declared expression paths.
  params: z.object({ expression: z.unknown() }).strict(),
  expressions: ['expression'],
  run: (_ctx, p) => p.expression ?? null,
});

export const noopNode = defineNode({
  type: 'noop',
  description: 'Does nothing; outputs null. Useful as a join point or placeholder.',
  params: z.object({}).strict(),
  run: () => null,
});

/**
 * Error codes are names as users write them in other engines (`OrderRejected`, `States.Timeout`,
 * `bad_input`); they are compared exactly, so case is kept and matters.
 */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

export const failNode = defineNode({
  type: 'fail',
  description: 'Raises an error with `code` and `message` (not retried).',
  params: z
    .object({
      code: z
        .string()
        .regex(ERROR_CODE, {
          error:
            'an error code is a letter then letters, digits, `_`, `.` or `-`, at most 100 characters (e.g. OrderRejected, States.Timeout, bad_input)',
        })
        .default('failed'),
      message: z.string(),
    })
    .strict(),
  run: (_ctx, p) => {
    throw new WeftError(customCode(p.code), p.message);
  },
});

export const messageNode = defineNode({
  type: 'message',
  description: 'Streams `text` to the client as a `message` event; outputs { text }.',
  params: z.object({ text: z.string() }).strict(),
  flags: { ordersMessages: true },
  run: (ctx, p) => {
    ctx.emit.message(p.text);
    return { text: p.text };
  },
});

const endParams = z.object({ values: z.record(z.string(), z.unknown()).optional() }).strict();

export const endNode = defineNode({
  type: 'end',
  description:
    "Sets the graph's output to `values` (the run's outputs when no `outputs:` is given).",
  params: endParams,
  flags: { setsOutput: true },
  run: (_ctx, p) => p.values ?? {},
});

export const outputNode = defineNode({ ...endNode, type: 'output' });
