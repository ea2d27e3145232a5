/**
 * Test canvases built from astron-agent's own node templates (the corpus beside the repository,
 * `../shared/corpora/astron-agent/derived/`): each node is a template with its id, inputs and
 * parameters set as the editor would set them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const corpora = fileURLToPath(new URL('../../../../shared/corpora/', import.meta.url));

const read = (name: string) =>
  JSON.parse(readFileSync(`${corpora}astron-agent/derived/${name}.canvas.json`, 'utf8'));

export const TEMPLATES: Record<string, { template: any }> =
  read('WORKFLOW_NODE_TEMPLATE').templates;
export const INNER_TEMPLATES: Record<string, { template: any }> = read(
  'WORKFLOW_NODE_TEMPLATE_INNER_PRE',
).templates;
export const INITIAL_CANVAS = read('WORKFLOW_INIT_DATA');

export type Ref = { nodeId: string; name: string };
export const ref = (nodeId: string, name: string) => ({ type: 'ref', content: { nodeId, name } });
export const lit = (content: unknown) => ({ type: 'literal', content });

/** A node of kind `kind` from its template, with id `kind::key` and the changes given. */
export function node(
  kind: string,
  key: string,
  changes: {
    label?: string;
    inputs?: Record<string, unknown>;
    outputs?: { name: string; type?: string; required?: boolean }[];
    nodeParam?: Record<string, unknown>;
    parentId?: string;
    inner?: boolean;
    extra?: Record<string, unknown>;
  } = {},
): any {
  const source = (changes.inner === true ? INNER_TEMPLATES : TEMPLATES)[kind]?.template;
  if (source === undefined) throw new Error(`no astron template ${kind}`);
  const t = structuredClone(source);
  const data = t.data;
  if (changes.label !== undefined) data.label = changes.label;
  if (changes.inputs !== undefined) {
    data.inputs = Object.entries(changes.inputs).map(([name, value], i) => ({
      id: `in-${key}-${i}`,
      name,
      schema: { type: 'string', value },
    }));
  }
  if (changes.outputs !== undefined) {
    data.outputs = changes.outputs.map((o, i) => ({
      id: `out-${key}-${i}`,
      name: o.name,
      required: o.required ?? false,
      schema: { type: o.type ?? 'string', default: '' },
    }));
  }
  if (changes.nodeParam !== undefined) data.nodeParam = { ...data.nodeParam, ...changes.nodeParam };
  const id = `${kind}::${key}`;
  return {
    id,
    type: t.type ?? kind,
    position: t.position ?? { x: 0, y: 0 },
    data,
    ...(changes.parentId === undefined ? {} : { parentId: changes.parentId }),
    ...changes.extra,
  };
}

/** An edge as the editor saves it. */
export const edge = (source: string, target: string, sourceHandle?: string) => ({
  id: `reactflow__edge-${source}${sourceHandle ?? ''}-${target}`,
  source,
  target,
  ...(sourceHandle === undefined ? {} : { sourceHandle }),
  type: 'customEdge',
});

/** The canvas as the editor saves it, pretty-printed (so that positions have lines). */
export const canvas = (nodes: unknown[], edges: unknown[]) =>
  JSON.stringify({ workflow: { nodes, edges } }, null, 2);
