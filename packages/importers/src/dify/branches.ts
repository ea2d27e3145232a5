/**
 * @module importers/dify/branches
 * Dify's if-else as a `switch`, and its variable aggregator (the branch that ran) as a
 * `transform`.
 */
import { compare } from '../compare.js';
import { firstOf, list, literal, objects, pathExpr, str } from '../expr.js';
import type { WeftNode } from '../graph.js';
import { simple, type NodeContext, type Translated } from './types.js';

export function translateIfElse(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const cases = Array.isArray(d['cases'])
    ? objects(d['cases'])
    : [{ case_id: 'true', logical_operator: d['logical_operator'], conditions: d['conditions'] }];
  const weft: WeftNode = { id: ctx.id, type: 'switch', name: ctx.node.title, with: {} };
  const ports = new Map<string, string>([['false', 'default']]);
  const out = cases.map((c, i) => {
    const port = `case_${i + 1}`;
    ports.set(str(c?.case_id) || str(c?.id), port);
    const conds = objects(c['conditions']);
    const op = c?.logical_operator === 'or' ? ' or ' : ' and ';
    const when = conds.map((cond) => `(${condition(ctx, weft, cond)})`).join(op) || 'false';
    return { port, when };
  });
  weft.with!['cases'] = out;
  return {
    nodes: [weft],
    entry: ctx.id,
    exit: (handle) => ({
      from: ctx.id,
      port: (handle === undefined ? undefined : ports.get(handle)) ?? 'default',
    }),
    output: () => ctx.id,
  };
}

function condition(ctx: NodeContext, weft: WeftNode, given: unknown): string {
  const cond: Record<string, any> = typeof given === 'object' && given !== null ? given : {};
  const left = ctx.select(cond['variable_selector']) ?? 'null';
  const raw = cond['value'];
  const whole = typeof raw === 'string' ? /^\{\{#([^#{}]+)#\}\}$/.exec(raw.trim()) : null;
  let right = whole !== null ? (ctx.select(whole[1]!.split('.')) ?? 'null') : literal(raw ?? null);
  const op = str(cond['comparison_operator'], '');
  const numeric = cond['varType'] === 'number' && ['=', '≠', '!='].includes(op);
  if (
    cond['varType'] === 'number' &&
    whole === null &&
    typeof raw === 'string' &&
    raw.trim() !== '' &&
    !Number.isNaN(Number(raw))
  )
    right = String(Number(raw));
  const out = numeric
    ? compare(op, `$number(${left})`, `$number(${right})`)
    : compare(op, left, right);
  if (out !== undefined) return out;
  ctx.build.leaveOut(
    {
      id: ctx.node.id,
      title: ctx.node.title,
      kind: 'if-else',
      reason: `comparison operator "${op}" has no translation: the condition is false`,
    },
    ctx.node.path,
  );
  ctx.build.noteParam(weft, 'cases', `operator "${op}" does not map: its condition is false`);
  return 'false';
}

export function translateAggregator(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const groups =
    d['advanced_settings']?.group_enabled === true ? objects(d['advanced_settings']?.groups) : [];
  const pick = (vars: unknown) =>
    firstOf(
      list(vars)
        .map((s) => ctx.select(s))
        .filter((e): e is string => e !== undefined),
    );
  const expression =
    groups.length === 0
      ? pick(d['variables'])
      : `{ ${groups.map((g) => `${literal(str(g?.group_name))}: { "output": ${pick(g?.variables)} }`).join(', ')} }`;
  const weft: WeftNode = {
    id: ctx.id,
    type: 'transform',
    name: ctx.node.title,
    with: { expression },
  };
  ctx.build.note(
    weft,
    'variable aggregator: the first of its variables that has a value (the branch that ran)',
  );
  return simple(ctx.id, [weft], (steps) =>
    groups.length === 0 ? pathExpr(ctx.id, steps.slice(1)) : pathExpr(ctx.id, steps),
  );
}
