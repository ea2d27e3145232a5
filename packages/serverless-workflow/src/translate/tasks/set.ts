/**
 * @module translate/tasks/set
 * `set`: a `jq` node whose `value` (its `${ }` evaluated on the task's input) is the output.
 */
import type { Family } from '../compilation.js';
import { leafTask } from './leaf.js';

export const setTask: Family = (cx, site, into, scope, frame) => {
  cx.checkValue([...site.path, 'set'], site.task['set']);
  return leafTask(cx, site, into, scope, frame, 'jq', { value: site.task['set'] });
};
