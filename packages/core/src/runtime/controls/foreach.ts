/**
 * @module runtime/controls/foreach
 * `foreach` runs its body once per item, `concurrency` bodies at a time; its output is the bodies'
 * outputs in item order. Over a `workflow`, the body is one child-run call per item.
 */
import { z } from 'zod';
import type { NodeDefinition } from '../../dsl/types.js';
import { toPlainJson } from '../../expr/index.js';
import type { Decider } from '../decider.js';
import { framePath, type NodeState } from '../state.js';
import { defineControl, type Walk } from './types.js';

/** A foreach over a `workflow` runs one child run per item: its body is that one call. */
function childCall(params: Record<string, unknown>): NodeDefinition[] | undefined {
  if (typeof params['workflow'] !== 'string') return undefined;
  const call: Record<string, unknown> = {
    workflow: params['workflow'],
    input: params['input'] ?? '{{ item }}',
  };
  if (params['version'] !== undefined) call['version'] = params['version'];
  return [{ id: 'call', type: 'subworkflow', with: call }];
}

/** Starts bodies while fewer than `limit` run and items remain. */
function fill(d: Decider, ns: NodeState, walk: Walk): void {
  const items = ns.items ?? [];
  while ((ns.started ?? 0) < items.length && (ns.started ?? 0) - (ns.done ?? 0) < (ns.limit ?? 1)) {
    const index = ns.started ?? 0;
    ns.started = index + 1;
    walk.createFrame(d, ns, framePath(ns.path, index), { item: items[index], index });
  }
  d.touch(ns.path);
}

export const foreachNode = defineControl(
  {
    type: 'foreach',
    description:
      'Runs its body (nested `nodes`/`edges`, or a child run of `workflow` with `input`, default the item) once per item of `items`, `concurrency` at a time. Output: the body outputs in item order.',
    params: z
      .object({
        items: z.string(),
        concurrency: z.number().int().min(1).max(1000).default(1),
        workflow: z.string().min(1).optional(),
        version: z.number().int().min(1).optional(),
        input: z.unknown().optional(),
      })
      .strict(),
    expressions: ['items'],
  },
  {
    kind: 'foreach',
    takesSlot: false,
    skipped: ['items', 'nodes', 'edges', 'workflow', 'version', 'input'],
    expression: 'items',
    implicitBody: childCall,
    start(d, ns, pn, p, walk) {
      const itemsExpr = pn.controlExpr;
      if (itemsExpr === undefined) {
        const message = 'foreach needs `items`';
        return walk.failNode(d, ns, { code: 'invalid_params', message }, true);
      }
      const items = d.evaluate(() =>
        toPlainJson(itemsExpr.evaluate(d.scopeOf(ns.frame), { now: d.at })),
      );
      if (!items.ok) return walk.failNode(d, ns, items.error, true);
      const list = items.value === undefined ? [] : items.value;
      if (!Array.isArray(list)) {
        const message = `foreach items must be an array, got ${typeof list}`;
        return walk.failNode(d, ns, { code: 'invalid_items', message }, true);
      }
      ns.items = list;
      ns.started = 0;
      ns.done = 0;
      ns.limit =
        typeof p['concurrency'] === 'number' && p['concurrency'] > 0 ? p['concurrency'] : 1;
      if (list.length === 0) return walk.completeNode(d, ns, []);
      fill(d, ns, walk);
    },
    bodyDone(d, owner, _pn, _fs, _output, walk) {
      owner.done = (owner.done ?? 0) + 1;
      const items = owner.items ?? [];
      if (owner.done < items.length) return fill(d, owner, walk);
      const outputs = items.map((_, i) => {
        const f = d.state.nodes.get(framePath(owner.path, i));
        return f?.kind === 'frame' ? f.output : undefined;
      });
      walk.completeNode(d, owner, outputs);
    },
  },
);
