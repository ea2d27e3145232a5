/**
 * @module translate/tasks/for
 * `for` is a `loop` node: a `jq` node before it evaluates `in` (and skips the loop when there is
 * nothing to iterate), the body's iterations run one after another, each reading the one
 * before's data and `$context`, and a `jq` node after it outputs the last iteration's data; the
 * tasks after it see the `$context` the last iteration left.
 */
import { bareExpression } from '@weft/core';
import type { Composite } from '../compilation.js';
import type { Exit, Level, Obj, Scope } from '../types.js';

export const forTask: Composite = (cx, site, into, scope, then) => {
  const { task, path, pointer } = site;
  const f = task['for'] as Obj;
  const each = typeof f['each'] === 'string' ? f['each'] : 'item';
  const at = typeof f['at'] === 'string' ? f['at'] : 'index';
  cx.checkExpression([...path, 'for', 'in'], f['in'], true);
  // The body's last node outputs `{ data, context, more }`: the iteration's data, the `$context`
  // its exports left (the next iteration and the tasks after the loop read it), and `while`,
  // checked after each iteration on its output: the loop goes on while `more` holds.
  const whileExpr = typeof task['while'] === 'string' ? bareExpression(task['while']) : undefined;
  if (task['while'] !== undefined) cx.checkExpression([...path, 'while'], task['while'], true);
  const inExpr = bareExpression(String(f['in']));
  const items = cx.add(
    scope,
    cx.node(site, 'jq', '_items', {
      value: { items: `\${ [${inExpr}][0] }`, data: '${ . }', context: '${ $context }' },
      cases: [{ port: 'each', when: `([${inExpr}][0] | length) > 0` }],
    }),
    into,
  );
  const itemsId = items.id;
  const body: Level = { nodes: [], edges: [] };
  const bodyScope: Scope = {
    level: body,
    inLoop: true,
    vars: {
      ...scope.vars,
      [each]: `{{ ($i := iteration - 1; $lookup(${itemsId}, 'items')[$i]) }}`,
      [at]: '{{ iteration - 1 }}',
    },
  };
  const loopId = cx.id(site.name);
  const carried = (field: string) => `(iteration = 1 ? ${itemsId}.${field} : previous.${field})`;
  const start: Exit[] = [{ from: '', data: carried('data'), context: carried('context') }];
  const r = cx.list(task['do'], [...path, 'do'], `${pointer}/do`, start, bodyScope);
  const bodyExits = [...r.outs.map((o) => o.exit), ...r.ends];
  const next =
    bodyExits.length === 0
      ? undefined
      : cx.add(
          bodyScope,
          cx.node(site, 'jq', '_next', {
            value: {
              data: '${ . }',
              context: '${ $context }',
              ...(whileExpr === undefined ? {} : { more: `\${ ${whileExpr} }` }),
            },
          }),
          bodyExits,
        );
  const more = whileExpr === undefined || next === undefined ? '' : ` and ${next.id}.more`;
  cx.add(
    scope,
    {
      id: loopId,
      type: 'loop',
      name: site.name,
      description: pointer,
      with: {
        while: `iteration < $count($lookup(${itemsId}, 'items'))${more}`,
        max_iterations: 100_000,
      },
      nodes: body.nodes,
      edges: body.edges,
    },
    [{ from: itemsId, port: 'each', data: `${itemsId}.data` }],
    false,
  );
  const unwrap = next === undefined ? '' : '.data';
  const after = cx.add(scope, cx.node(site, 'jq', '_done'), [
    { from: loopId, data: `${loopId}.output${unwrap}` },
    { from: itemsId, port: 'default', data: `${itemsId}.data` },
  ]);
  const context =
    next === undefined
      ? `${itemsId}.context`
      : `($exists(${loopId}) ? ${loopId}.output.context : ${itemsId}.context)`;
  const exit: Exit = { from: after.id, data: after.id, context };
  return { outs: [{ directive: then, exit }], ends: [] };
};
