/**
 * @module importers/astron/canvas
 * Finding the nodes and edges of an astron-agent workflow in a file: the canvas the editor saves
 * (`{ nodes, edges }`, possibly under `workflow` or `data`, edges `source`/`target`) or the
 * protocol its engine runs (edges `sourceNodeId`/`targetNodeId`).
 */
import { str } from '../expr.js';
import { TranslateError } from '../problems.js';
import type { Path, Source } from '../source.js';

export interface CanvasNode {
  /** `spark-llm::<uuid>`: the kind before `::`. */
  id: string;
  kind: string;
  title: string;
  data: Record<string, any>;
  parentId: string | undefined;
  /** Where the node is in the file's data. */
  path: Path;
}

export interface CanvasEdge {
  source: string;
  target: string;
  handle: string | undefined;
  path: Path;
}

export interface Canvas {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The canvas in `source`.
 * @throws TranslateError when the file holds no canvas, or a node or edge is not one, naming where
 */
export function readCanvas(source: Source): Canvas {
  const root = source.value;
  const candidates: [unknown, Path][] = [[root, []]];
  if (isObject(root)) {
    for (const key of ['workflow', 'data', 'flowData', 'protocol'])
      if (isObject(root[key])) candidates.push([root[key], [key]]);
  }
  const found = candidates.find(([v]) => isObject(v) && Array.isArray(v['nodes']));
  if (found === undefined) {
    const what = isObject(root) ? 'an object without a `nodes` list' : describe(root);
    throw new TranslateError(
      `not an astron-agent canvas: expected an object with \`nodes\` and \`edges\` lists (or \`workflow: { nodes, edges }\`), found ${what}`,
      source.at([]),
    );
  }
  const [canvas, base] = found as [Record<string, any>, Path];
  const nodes = (canvas['nodes'] as unknown[]).map((n, i) =>
    readNode(n, [...base, 'nodes', i], source),
  );
  refuseDuplicates(nodes, source);
  const rawEdges: unknown = canvas['edges'] ?? [];
  if (!Array.isArray(rawEdges)) {
    throw new TranslateError(
      `not an astron-agent canvas: \`edges\` must be a list, found ${describe(rawEdges)}`,
      source.at([...base, 'edges']),
    );
  }
  const edges = rawEdges.map((e, i) => readEdge(e, [...base, 'edges', i], source));
  return { nodes, edges };
}

/** Two nodes with one id: references and edges could not tell them apart. */
export function refuseDuplicates(
  nodes: readonly { id: string; path: Path }[],
  source: Source,
): void {
  const seen = new Map<string, Path>();
  for (const n of nodes) {
    const first = seen.get(n.id);
    if (first !== undefined) {
      const at = source.at(first);
      throw new TranslateError(
        `two nodes have the id ${n.id} (the first at ${at.line}:${at.column})`,
        source.at(n.path),
      );
    }
    seen.set(n.id, n.path);
  }
}

function readNode(raw: unknown, path: Path, source: Source): CanvasNode {
  if (!isObject(raw) || typeof raw['id'] !== 'string' || !isObject(raw['data'])) {
    throw new TranslateError(
      `not an astron-agent canvas: a node must be an object with an \`id\` string and a \`data\` object, found ${describe(raw)}`,
      source.at(path),
    );
  }
  const id = raw['id'];
  const data = raw['data'];
  const sep = id.indexOf('::');
  const kind =
    sep > 0 ? id.slice(0, sep) : str(raw['idType']) || str(data['idType']) || str(raw['type']);
  const parent = raw['parentId'] ?? data['parentId'];
  return {
    id,
    kind,
    title: str(data['label']) || str(data['nodeMeta']?.aliasName) || kind,
    data,
    parentId: typeof parent === 'string' && parent !== '' ? parent : undefined,
    path,
  };
}

function readEdge(raw: unknown, path: Path, source: Source): CanvasEdge {
  const from = isObject(raw) ? (raw['source'] ?? raw['sourceNodeId']) : undefined;
  const to = isObject(raw) ? (raw['target'] ?? raw['targetNodeId']) : undefined;
  if (typeof from !== 'string' || typeof to !== 'string') {
    throw new TranslateError(
      `not an astron-agent canvas: an edge must have \`source\` and \`target\` node ids (or \`sourceNodeId\`/\`targetNodeId\`), found ${describe(raw)}`,
      source.at(path),
    );
  }
  const handle = (raw as Record<string, unknown>)['sourceHandle'];
  return {
    source: from,
    target: to,
    handle: typeof handle === 'string' && handle !== '' ? handle : undefined,
    path,
  };
}

/** A short description of a value for messages: `a list`, `the string "abc"`, `null`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === 'object')
    return `an object with keys ${Object.keys(v).slice(0, 5).join(', ') || '(none)'}`;
  return `${typeof v} ${typeof v === 'number' || typeof v === 'boolean' ? str(v) : ''}`.trim();
}
