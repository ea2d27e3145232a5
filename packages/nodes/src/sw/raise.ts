/**
 * @module sw/raise
 * `sw.raise`: fails with the Serverless Workflow error it is given.
 */
import { defineNode, WeftError } from '@weft/core/plugin';
import { z } from 'zod';
import { evaluateValue, RAW_TASK_PATHS, runTask, taskParams } from './data.js';
import { swError, type SwError } from './errors.js';

const errorSchema = z.looseObject({
  type: z.string(),
  status: z.union([z.number(), z.string()]),
  title: z.string().optional(),
  detail: z.string().optional(),
  instance: z.string().optional(),
});

export const raiseNode = defineNode({
  type: 'sw.raise',
  description:
    'Raises a Serverless Workflow error (`type`, `status`, `title`, `detail`, `instance`).',
  params: z.strictObject({ ...taskParams, error: z.unknown(), instance: z.string().optional() }),
  raw: [...RAW_TASK_PATHS, 'error'],
  run: async (_ctx, p) =>
    runTask(p, (input, vars) => {
      const parsed = errorSchema.safeParse(evaluateValue(p.error, input, vars));
      if (!parsed.success)
        throw new WeftError('invalid_params', 'a raised error needs a `type` and a `status`');
      const e = parsed.data;
      const error: SwError = {
        type: e.type,
        status: Number(e.status),
        ...(e.title === undefined ? {} : { title: e.title }),
        ...(e.detail === undefined ? {} : { detail: e.detail }),
        instance: e.instance ?? p.instance ?? '/',
      };
      throw swError(error);
    }),
});
