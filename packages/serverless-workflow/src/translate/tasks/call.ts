/**
 * @module translate/tasks/call
 * `call`: `http` and `openapi` are one node each (`sw.http`, `sw.openapi`); a function of
 * `use.functions` is a task itself, compiled in place of the call. Other kinds are refused.
 */
import type { Compilation, Family } from '../compilation.js';
import { exported, inputFilters, outputFilterNode } from '../filters.js';
import { refuseAuthentications } from '../refusals.js';
import {
  isObj,
  nothing,
  type Compiled,
  type Exit,
  type Frame,
  type Obj,
  type Scope,
  type Site,
} from '../types.js';
import { leafTask } from './leaf.js';

const NODE_TYPES: ReadonlyMap<string, string> = new Map([
  ['http', 'sw.http'],
  ['openapi', 'sw.openapi'],
]);

const UNBUILT_KINDS = new Set(['grpc', 'asyncapi', 'a2a', 'mcp']);

export const callTask: Family = (cx, site, into, scope, frame) => {
  const { task, path } = site;
  const kind = task['call'] as string;
  const w = isObj(task['with']) ? task['with'] : {};
  cx.checkValue([...path, 'with'], w);
  const type = NODE_TYPES.get(kind);
  const functions = isObj(cx.use['functions']) ? cx.use['functions'] : {};
  if (type === undefined && isObj(functions[kind]))
    return callFunction(cx, site, into, scope, frame, kind, functions[kind]);
  if (type === undefined) {
    cx.unsupported(
      [...path, 'call'],
      UNBUILT_KINDS.has(kind) ? `\`call: ${kind}\`` : `calling the function \`${kind}\``,
    );
    return nothing();
  }
  refuseAuthentications(cx, w, [...path, 'with']);
  return leafTask(cx, site, into, scope, frame, type, { with: w, instance: site.pointer });
};

/**
 * A call of a function of `use.functions`: its arguments (`with`, `${ }` evaluated on the
 * caller's input) are the input of the function's task, compiled in place.
 */
function callFunction(
  cx: Compilation,
  site: Site,
  into: Exit[],
  scope: Scope,
  frame: Frame,
  fn: string,
  body: Obj,
): Compiled {
  if (cx.calling.has(fn)) {
    cx.error([...site.path, 'call'], `the function \`${fn}\` calls itself`);
    return nothing();
  }
  const params = { ...inputFilters(frame.filters), value: site.task['with'] ?? {} };
  const args = cx.add(scope, cx.node(site, 'jq', '_args', params), into);
  cx.calling.add(fn);
  const r = cx.task(
    { name: site.name, task: body, path: ['use', 'functions', fn], pointer: site.pointer },
    [cx.flow.exitOf(args.id, into)],
    scope,
  );
  cx.calling.delete(fn);
  const exits = outputFilterNode(
    cx,
    site,
    r.outs.map((o) => o.exit),
    scope,
    frame.filters,
  );
  const outs = exits.map((exit) => ({ directive: frame.then, exit }));
  const done = exported(cx, site, outs, scope, frame.skipped);
  return { outs: done.outs, ends: [...r.ends, ...done.ends] };
}
