/**
 * @module translate/tasks/leaf
 * A task that is one node (`set`, `emit`, `call: http`, `listen`...): the node takes the task's
 * filters as its own parameters, and the flow goes on from it.
 */
import type { Compilation } from '../compilation.js';
import { exported } from '../filters.js';
import type { Compiled, Exit, Frame, Obj, Scope, Site } from '../types.js';

export function leafTask(
  cx: Compilation,
  site: Site,
  into: Exit[],
  scope: Scope,
  frame: Frame,
  type: string,
  params: Obj,
): Compiled {
  const node = cx.add(scope, cx.node(site, type, '', { ...frame.filters, ...params }), into);
  const out = { directive: frame.then, exit: cx.flow.exitOf(node.id, into) };
  return exported(cx, site, [out], scope, frame.skipped);
}
