/**
 * @module runtime/controls/wait
 * `wait` is a durable timer: the node parks until `duration` has passed or `until` has come.
 */
import { z } from 'zod';
import { parseDuration, parseTimestamp } from '../time.js';
import { defineControl } from './types.js';

export const duration = z.union([z.string(), z.number().nonnegative()]);

export const waitNode = defineControl(
  {
    type: 'wait',
    description: 'A durable timer: waits `duration` (ISO 8601 or ms) or `until` a timestamp.',
    params: z
      .object({
        duration: duration.optional(),
        until: z.union([z.string(), z.number()]).optional(),
      })
      .strict()
      .refine((p) => (p.duration === undefined) !== (p.until === undefined), {
        message: 'give exactly one of `duration` and `until`',
      }),
  },
  {
    kind: 'wait',
    takesSlot: false,
    start(d, ns, _pn, p, walk) {
      const due = d.evaluate(() =>
        p['until'] !== undefined ? parseTimestamp(p['until']) : d.at + parseDuration(p['duration']),
      );
      if (!due.ok) return walk.failNode(d, ns, due.error, true);
      ns.timerId = d.addTimer(ns, 'wait', due.value);
      walk.park(d, ns, { until: new Date(due.value).toISOString() });
    },
    timerFired(d, ns, kind, walk) {
      if (kind === 'wait') walk.completeNode(d, ns, { waited_until: d.iso });
    },
  },
);
