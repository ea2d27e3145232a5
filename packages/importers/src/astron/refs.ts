/**
 * @module importers/astron/refs
 * What astron-agent nodes read: each input is a literal or a reference `{ nodeId, name }` to an
 * output of an earlier node; templates (`{{name}}`) name the node's own inputs.
 */
import { literal, rewriteTemplate, str, objects } from '../expr.js';
import type { CanvasNode } from './canvas.js';

/** A node's inputs as Weft expressions, by name (and by input id, for if-else conditions). */
export interface Inputs {
  names: string[];
  /** The expression of input `key` (its name or its id); undefined when it has no value. */
  get(key: string): string | undefined;
  has(key: string): boolean;
}

/** Answers the Weft expression for output `name` of node `nodeId`, or undefined. */
export type RefResolver = (nodeId: string, name: string) => string | undefined;

export function inputsOf(
  node: CanvasNode,
  resolve: RefResolver,
  onMissing: (input: string, why: string) => void,
): Inputs {
  const byKey = new Map<string, string | undefined>();
  const names: string[] = [];
  const list: unknown[] = objects(node.data['inputs']);
  for (const raw of list) {
    if (typeof raw !== 'object' || raw === null) continue;
    const input = raw as Record<string, any>;
    const name = str(input['name'], '');
    if (name === '') continue;
    names.push(name);
    const value = input['schema']?.value as Record<string, any> | undefined;
    let expr: string | undefined;
    if (value?.['type'] === 'literal') {
      expr = literal(value['content']);
    } else if (value?.['type'] === 'ref') {
      const content = value['content'] as Record<string, unknown> | undefined;
      const from = typeof content?.['nodeId'] === 'string' ? content['nodeId'] : '';
      const out = typeof content?.['name'] === 'string' ? content['name'] : '';
      if (from === '' || out === '') onMissing(name, 'refers to nothing');
      else {
        expr = resolve(from, out);
        if (expr === undefined)
          onMissing(name, `refers to ${out} of ${from}, which the canvas does not have`);
      }
    } else {
      onMissing(name, 'has no value');
    }
    byKey.set(name, expr);
    if (typeof input['id'] === 'string' && input['id'] !== '') byKey.set(input['id'], expr);
  }
  return {
    names,
    get: (key) => byKey.get(key),
    has: (key) => byKey.has(key),
  };
}

/** An astron prompt or template (`Hello {{name}}`, `{{input.field}}`) as a Weft template. */
export function astronTemplate(
  text: unknown,
  inputs: Inputs,
  onMissing: (name: string) => void,
): string {
  if (typeof text !== 'string') return '';
  return rewriteTemplate(
    text,
    /\{\{([^{}]*)\}\}/,
    (inner) => {
      const [head, ...rest] = inner.split('.');
      const base = inputs.get(head ?? '');
      if (base === undefined) return undefined;
      return rest.length === 0
        ? base
        : `(${base}).${rest.map((s) => (/^[A-Za-z_]\w*$/.test(s) ? s : `\`${s}\``)).join('.')}`;
    },
    onMissing,
  );
}
