/**
 * @module importers/astron/conditions
 * An if-else condition of astron-agent (`leftVarIndex compareOperator rightVarIndex`, each side
 * an input of the node by id or name, the right side possibly a literal) as a JSONata condition.
 */
import { compare } from '../compare.js';
import { literal, str } from '../expr.js';
import type { WeftNode } from '../graph.js';
import type { NodeContext } from './types.js';

export function conditionOf(ctx: NodeContext, weft: WeftNode, given: unknown): string {
  const cond: Record<string, any> = typeof given === 'object' && given !== null ? given : {};
  const leftKey = str(cond['leftVarIndex']) || str(cond['varIndex']);
  const left = ctx.inputs.get(leftKey) ?? 'null';
  const rightKey = cond['rightVarIndex'];
  const rightValue = cond['rightValue'] as Record<string, any> | undefined;
  let right: string;
  if (typeof rightKey === 'string' && ctx.inputs.has(rightKey))
    right = ctx.inputs.get(rightKey) ?? 'null';
  else if (rightValue?.['type'] === 'literal') right = literal(rightValue['content']);
  else right = literal(rightKey ?? null);
  const op = str(cond['compareOperator'], '');
  const out = compare(op, left, right);
  if (out !== undefined) return out;
  ctx.build.leaveOut(
    {
      id: ctx.node.id,
      title: ctx.node.title,
      kind: 'if-else',
      reason:
        op === ''
          ? 'a condition without a compare operator (unfinished in the editor): it is false'
          : `compare operator "${op}" has no translation: the condition is false`,
    },
    ctx.node.path,
  );
  ctx.build.noteParam(weft, 'cases', `operator "${op}" does not map: its condition is false`);
  return 'false';
}
