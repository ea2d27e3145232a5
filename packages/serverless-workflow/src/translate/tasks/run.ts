/**
 * @module translate/tasks/run
 * `run: workflow` is a `subworkflow` node, its input the task's `input` evaluated by a `jq` node
 * before it. Running a container, a script or a shell is refused: Weft runs code with `code`.
 */
import { runtimeExpression } from '@weft/core';
import type { Composite } from '../compilation.js';
import { isObj, nothing, type Obj } from '../types.js';

export const runTask: Composite = (cx, site, into, scope, then) => {
  const run = site.task['run'] as Obj;
  const wf = run['workflow'];
  if (!isObj(wf)) {
    const kind = Object.keys(run).find((k) => k !== 'await' && k !== 'return') ?? 'run';
    cx.unsupported(
      [...site.path, 'run', kind],
      `\`run: ${kind}\` (Weft runs code with its \`code\` node)`,
    );
    return nothing();
  }
  const prep = cx.add(
    scope,
    cx.node(
      site,
      'jq',
      '_input',
      wf['input'] === undefined ? {} : { value: wrapRuntime(wf['input']) },
    ),
    into,
  );
  const params = { workflow: String(wf['name']), input: `{{ ${prep.id} }}` };
  const node = cx.add(
    scope,
    cx.node(site, 'subworkflow', '', params),
    [cx.flow.exitOf(prep.id, into)],
    false,
  );
  const exit = { from: node.id, data: node.id, ...cx.flow.contextOf(into) };
  return { outs: [{ directive: then, exit }], ends: [] };
};

/** A value whose strings are expressions (a subflow's `input`): `${ }` added where missing. */
function wrapRuntime(value: unknown): unknown {
  if (typeof value === 'string')
    return runtimeExpression(value) === undefined ? `\${ ${value} }` : value;
  if (Array.isArray(value)) return value.map(wrapRuntime);
  if (isObj(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrapRuntime(v)]));
  return value;
}
