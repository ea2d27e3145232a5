/**
 * @module sw/jq
 * `jq`: the node of `set`, `switch`, a task's `if` and the filters around composite tasks, and
 * `jq.output`, the same whose output is the graph's (the end of a compiled document).
 */
import { defineNode, evaluateJq, route } from '@weft/core/plugin';
import { z } from 'zod';
import {
  bareExpression,
  evaluateValue,
  holds,
  RAW_TASK_PATHS,
  runTask,
  taskParams,
} from './data.js';

const caseSchema = z.strictObject({ port: z.string().min(1), when: z.string().optional() });

export const jqNode = defineNode({
  type: 'jq',
  description:
    'Evaluates the `${ jq }` expressions of `value` on `input` (after `from`, before `as`); with `cases`, takes the port of the first whose `when` holds, else `default`.',
  params: z.strictObject({
    ...taskParams,
    value: z.unknown().optional(),
    cases: z.array(caseSchema).optional(),
  }),
  raw: [...RAW_TASK_PATHS, 'value', 'cases'],
  ports: (params) => {
    const cases = Array.isArray(params['cases']) ? params['cases'] : [];
    const ports = cases.flatMap((c: unknown) =>
      typeof c === 'object' && c !== null && typeof (c as { port?: unknown }).port === 'string'
        ? [(c as { port: string }).port]
        : [],
    );
    return [...ports, 'default'];
  },
  run: async (_ctx, p) => {
    let port: string | undefined;
    const output = await runTask(p, (input, vars) => {
      if (p.cases !== undefined) {
        port = 'default';
        for (const c of p.cases) {
          if (c.when === undefined || holds(evaluateJq(bareExpression(c.when), input, vars))) {
            port = c.port;
            break;
          }
        }
      }
      return p.value === undefined ? input : evaluateValue(p.value, input, vars);
    });
    return port === undefined ? output : route(port, output);
  },
});

/** `jq` whose output is its graph's output: the end of a compiled document. */
export const jqOutputNode = defineNode({
  ...jqNode,
  type: 'jq.output',
  description:
    "As `jq`, and its output is the graph's output (the end of a Serverless Workflow document).",
  flags: { setsOutput: true },
});
