/**
 * @module sw/events
 * `sw.emit` (sends a CloudEvent to the run's event stream) and `sw.listen` (waits for one
 * delivered to the run as its answer).
 */
import { defineNode } from '@weft/core/plugin';
import { z } from 'zod';
import { evaluateValue, RAW_TASK_PATHS, runTask, taskParams } from './data.js';

export const swEmitNode = defineNode({
  type: 'sw.emit',
  description:
    "A Serverless Workflow `emit`: builds a CloudEvent from `event.with`, sends it to the run's event stream (a node.progress event) and outputs it.",
  params: z.strictObject({ ...taskParams, event: z.unknown() }),
  raw: [...RAW_TASK_PATHS, 'event'],
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const props = evaluateValue(p.event, input, vars) as Record<string, unknown>;
      const stamp = await ctx.step('event', () => ({
        id: crypto.randomUUID(),
        time: new Date().toISOString(),
      }));
      const event = { specversion: '1.0', ...stamp, ...props };
      ctx.emit.progress({ cloudevent: event });
      return event;
    }),
});

/** A JSON Schema that an event must match: each attribute of `with` as a constant. */
function eventSchema(filter: Record<string, unknown>): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, { const: v }]));
  return { type: 'object', required: Object.keys(filter), properties };
}

export const swListenNode = defineNode({
  type: 'sw.listen',
  description:
    'A Serverless Workflow `listen`: waits until an event matching one of `events` (CloudEvent attributes) is delivered to the run, as the answer to this node; outputs `[event]`.',
  params: z.strictObject({
    ...taskParams,
    events: z.array(z.record(z.string(), z.unknown())).min(1),
  }),
  raw: [...RAW_TASK_PATHS, 'events'],
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const filters = p.events.map((f) => evaluateValue(f, input, vars) as Record<string, unknown>);
      const schemas = filters.map(eventSchema);
      const event = await ctx.ask('event', {
        prompt: { listen: filters },
        schema: schemas.length === 1 ? schemas[0]! : { anyOf: schemas },
      });
      return [event];
    }),
});
