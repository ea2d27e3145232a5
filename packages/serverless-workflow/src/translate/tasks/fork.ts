/**
 * @module translate/tasks/fork
 * `fork` runs its branches as parallel paths from a `jq` node before them, joined by a `jq` node
 * after them: `all` (the output is the list of the branches' outputs), or `any` with `compete`
 * (the output is the first branch's to finish).
 */
import type { Composite } from '../compilation.js';
import { sitesOf } from '../naming.js';
import { nothing, type Exit, type Obj } from '../types.js';

export const forkTask: Composite = (cx, site, into, scope, then) => {
  const f = site.task['fork'] as Obj;
  const entry = cx.add(scope, cx.node(site, 'jq', '_fork'), into);
  const start = [cx.flow.exitOf(entry.id, into)];
  const list = Array.isArray(f['branches']) ? f['branches'] : [];
  const branches: Exit[][] = sitesOf(
    list,
    [...site.path, 'fork', 'branches'],
    `${site.pointer}/fork/branches`,
  ).map((branch) => {
    const r = cx.task(branch, start, scope);
    return [...r.outs.map((o) => o.exit), ...r.ends];
  });
  const all = branches.flat();
  if (all.length === 0) return nothing();
  if (f['compete'] === true) {
    const join = cx.add(scope, cx.node(site, 'jq'), all);
    return { outs: [{ directive: then, exit: cx.flow.exitOf(join.id, all) }], ends: [] };
  }
  const input: Obj = {};
  branches.forEach((b, i) => {
    input[`b${i}`] = cx.flow.template(b);
  });
  const value = `\${ [${branches.map((_, i) => `.b${i}`).join(', ')}] }`;
  const join = cx.add(scope, cx.node(site, 'jq', '', { input, value }), all, false);
  join.with!['vars'] = scope.vars;
  delete join.join; // every branch joins
  return { outs: [{ directive: then, exit: cx.flow.exitOf(join.id, []) }], ends: [] };
};
