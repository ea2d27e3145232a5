/**
 * @module translate/filters
 * A task's data filters: `input.from` and `output.as` (with their inline schemas) as parameters
 * of the task's node, or as `jq` nodes of their own around a task of several nodes; and
 * `export.as`, a node after the task computing the new `$context`.
 */
import type { Compilation } from './compilation.js';
import {
  isObj,
  type Compiled,
  type Exit,
  type Obj,
  type Out,
  type Path,
  type Scope,
  type Site,
} from './types.js';

/** `input.from` and `output.as` as node parameters, their expressions checked. */
export function taskFilters(cx: Compilation, task: Obj, path: Path): Obj {
  const out: Obj = {};
  const input = task['input'];
  if (isObj(input) && input['from'] !== undefined) {
    cx.checkExpression([...path, 'input', 'from'], input['from'], true);
    out['from'] = input['from'];
  }
  const output = task['output'];
  if (isObj(output) && output['as'] !== undefined) {
    cx.checkExpression([...path, 'output', 'as'], output['as'], true);
    out['as'] = output['as'];
  }
  const inSchema = inlineSchema(cx, input, [...path, 'input', 'schema']);
  if (inSchema !== undefined) out['input_schema'] = inSchema;
  const outSchema = inlineSchema(cx, output, [...path, 'output', 'schema']);
  if (outSchema !== undefined) out['output_schema'] = outSchema;
  return out;
}

/** An `input`/`output` `schema` given inline (`document`); one by `resource` is refused. */
export function inlineSchema(cx: Compilation, holder: unknown, path: Path): Obj | undefined {
  if (!isObj(holder) || !isObj(holder['schema'])) return undefined;
  const schema = holder['schema'];
  const format = typeof schema['format'] === 'string' ? schema['format'] : 'json';
  if (!/^json(:|$)/.test(format)) {
    cx.unsupported([...path, 'format'], `a schema in \`${format}\``);
    return undefined;
  }
  if (!isObj(schema['document'])) {
    cx.unsupported(path, 'a schema by `resource`');
    return undefined;
  }
  return schema['document'];
}

const pick = (o: Obj, keys: string[]): Obj =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

/** The filters applied to a task's input: `from` and the input schema. */
export const inputFilters = (filters: Obj): Obj => pick(filters, ['from', 'input_schema']);

const outputFilters = (filters: Obj): Obj => pick(filters, ['as', 'output_schema']);

/** Before a task of several nodes: a node applying its input filters, when it has any. */
export function inputFilterNode(
  cx: Compilation,
  site: Site,
  into: Exit[],
  scope: Scope,
  filters: Obj,
): Exit[] {
  if (filters['from'] === undefined && filters['input_schema'] === undefined) return into;
  const pre = cx.add(scope, cx.node(site, 'jq', '_input', inputFilters(filters)), into);
  return [cx.flow.exitOf(pre.id, into)];
}

/** After a task of several nodes: a node applying its output filters, when it has any. */
export function outputFilterNode(
  cx: Compilation,
  site: Site,
  exits: Exit[],
  scope: Scope,
  filters: Obj,
): Exit[] {
  if (filters['as'] === undefined && filters['output_schema'] === undefined) return exits;
  if (exits.length === 0) return exits;
  const post = cx.add(scope, cx.node(site, 'jq', '_output', outputFilters(filters)), exits);
  return [cx.flow.exitOf(post.id, exits)];
}

/** `export.as`: a node after each way out of the task computing the new `$context`. */
export function exported(
  cx: Compilation,
  site: Site,
  outs: Out[],
  scope: Scope,
  skipped: Out[],
): Compiled {
  const exp = site.task['export'];
  if (!isObj(exp) || exp['as'] === undefined || outs.length === 0)
    return { outs: [...outs, ...skipped], ends: [] };
  cx.checkExpression([...site.path, 'export', 'as'], exp['as'], true);
  const result: Out[] = [];
  for (const out of outs) {
    const node = cx.add(scope, cx.node(site, 'jq', '_export', { from: exp['as'] }), [out.exit]);
    result.push({
      directive: out.directive,
      exit: { from: node.id, data: out.exit.data, context: node.id },
    });
  }
  return { outs: [...result, ...skipped], ends: [] };
}
