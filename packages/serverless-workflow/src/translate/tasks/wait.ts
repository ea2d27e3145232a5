/**
 * @module translate/tasks/wait
 * `wait` is a `wait` node; the data goes past it as it came.
 */
import type { Composite } from '../compilation.js';
import { durationMs } from '../duration.js';
import { nothing } from '../types.js';

export const waitTask: Composite = (cx, site, into, scope, then) => {
  const ms = durationMs(site.task['wait']);
  if (ms === undefined) {
    cx.error(
      [...site.path, 'wait'],
      'a wait is an ISO 8601 duration (`PT30S`) or `{ days, hours, minutes, seconds, milliseconds }`',
    );
    return nothing();
  }
  const node = cx.add(scope, cx.node(site, 'wait', '', { duration: ms }), into, false);
  const exit = { from: node.id, data: cx.flow.expression(into), ...cx.flow.contextOf(into) };
  return { outs: [{ directive: then, exit }], ends: [] };
};
