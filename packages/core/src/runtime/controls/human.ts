/**
 * @module runtime/controls/human
 * `human` parks until an answer is posted to the run (validated by the engine against `schema`),
 * which becomes its output; with `timeout` it takes the `timeout` port when no answer came.
 */
import { z } from 'zod';
import type { NodeEventData } from '../../events.js';
import { parseDuration } from '../time.js';
import { defineControl } from './types.js';
import { duration } from './wait.js';

export const humanNode = defineControl(
  {
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
  },
  {
    kind: 'human',
    takesSlot: false,
    start(d, ns, _pn, p, walk) {
      const data: NodeEventData['node.waiting'] = { prompt: p['prompt'] };
      if (p['schema'] !== undefined) data.schema = p['schema'];
      if (p['timeout'] !== undefined) {
        const ms = d.evaluate(() => parseDuration(p['timeout']));
        if (!ms.ok) return walk.failNode(d, ns, ms.error, true);
        ns.timerId = d.addTimer(ns, 'human-timeout', d.at + ms.value);
        data.timeout_at = new Date(d.at + ms.value).toISOString();
      }
      walk.park(d, ns, data);
    },
    timerFired(d, ns, kind, walk) {
      if (kind === 'human-timeout') walk.completeNode(d, ns, null, 'timeout');
    },
    answer(d, ns, value, walk) {
      walk.completeNode(d, ns, value);
    },
  },
);
