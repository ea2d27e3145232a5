/**
 * @module runtime/controls/subworkflow
 * `subworkflow` runs another workflow as a child run and takes its outputs. The child's id is
 * derived from the node's path and failures, so a node started again finds the same child; a run
 * retried asks for new children, as its failed or finished ones stay what they were.
 */
import { z } from 'zod';
import { causeOf } from '../../errors.js';
import { derivedId } from '../time.js';
import { defineControl } from './types.js';

export const subworkflowNode = defineControl(
  {
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
  },
  {
    kind: 'subworkflow',
    takesSlot: true,
    start(d, ns, _pn, p) {
      // The first attempt's ids carry no attempt number, as runs stored before it was added.
      const attempt = d.meta.attempt > 1 ? `:${d.meta.attempt}` : '';
      const childRunId = derivedId(`${d.meta.runId}:${ns.path}:${ns.failures}${attempt}`);
      // Started again after a stop, the node asks for the same child: it is counted already.
      if (ns.childRunId !== childRunId) d.meta.childRuns++;
      ns.childRunId = childRunId;
      d.commands.push({
        type: 'start-child',
        path: ns.path,
        childRunId: ns.childRunId,
        workflow: String(p['workflow']),
        version: typeof p['version'] === 'number' ? p['version'] : undefined,
        input: p['input'] ?? {},
        childNumber: d.meta.childRuns,
      });
    },
    childFinished(d, ns, input, walk) {
      if (input.status === 'succeeded') return walk.completeNode(d, ns, input.output ?? null);
      const error = input.error ?? { code: 'child_failed', message: `child run ${input.status}` };
      const message = `subworkflow: ${error.message}`;
      walk.failNode(d, ns, { code: error.code, message, cause: causeOf(error) }, true);
    },
    cancel(d, ns) {
      if (ns.childRunId !== undefined) {
        d.commands.push({ type: 'cancel-child', childRunId: ns.childRunId });
      }
    },
  },
);
