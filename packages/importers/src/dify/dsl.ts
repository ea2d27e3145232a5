/**
 * @module importers/dify/dsl
 * Finding the graph of a Dify app exported as DSL (`kind: app`, `app.mode` workflow or
 * advanced-chat, `workflow.graph.nodes` / `edges`), with each node's kind (`data.type`).
 */
import { str } from '../expr.js';
import { describe, refuseDuplicates } from '../astron/canvas.js';
import { TranslateError } from '../problems.js';
import type { Path, Source } from '../source.js';

export interface DifyNode {
  id: string;
  kind: string;
  title: string;
  data: Record<string, any>;
  /** The iteration (or loop) it is inside, if any. */
  parentId: string | undefined;
  path: Path;
}

export interface DifyEdge {
  source: string;
  target: string;
  handle: string | undefined;
}

export interface DifyApp {
  name: string | undefined;
  description: string | undefined;
  mode: string;
  nodes: DifyNode[];
  edges: DifyEdge[];
  environment: Record<string, any>[];
  conversation: Record<string, any>[];
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The app in `source`.
 * @throws TranslateError when the file holds no Dify workflow graph, naming where
 */
export function readDify(source: Source): DifyApp {
  const root = source.value;
  if (!isObject(root)) {
    throw new TranslateError(
      `not a Dify workflow DSL: expected a mapping with \`kind: app\`, \`app\` and \`workflow.graph\`, found ${describe(root)}`,
      source.at([]),
    );
  }
  if (root['kind'] !== undefined && root['kind'] !== 'app') {
    throw new TranslateError(
      `not a Dify app DSL: kind is ${describe(root['kind'])}, not app`,
      source.at(['kind']),
    );
  }
  const app = isObject(root['app']) ? root['app'] : {};
  const mode = str(app['mode'], 'workflow');
  if (!['workflow', 'advanced-chat'].includes(mode)) {
    throw new TranslateError(
      `a Dify app of mode ${mode} has no workflow graph: only workflow and advanced-chat (chatflow) apps import`,
      source.at(['app', 'mode']),
    );
  }
  const workflow = isObject(root['workflow']) ? root['workflow'] : root;
  const base: Path = isObject(root['workflow']) ? ['workflow', 'graph'] : ['graph'];
  const graph = workflow['graph'];
  if (!isObject(graph) || !Array.isArray(graph['nodes'])) {
    throw new TranslateError(
      'not a Dify workflow DSL: expected `workflow.graph` with a `nodes` list',
      source.at(isObject(graph) ? base : base.slice(0, -1)),
    );
  }
  const nodes = (graph['nodes'] as unknown[]).map((raw, i) => {
    const path = [...base, 'nodes', i];
    if (
      !isObject(raw) ||
      raw['id'] === undefined ||
      !isObject(raw['data']) ||
      typeof raw['data']['type'] !== 'string'
    ) {
      throw new TranslateError(
        `not a Dify workflow DSL: a node must have an \`id\` and \`data.type\`, found ${describe(raw)}`,
        source.at(path),
      );
    }
    const data = raw['data'];
    const parent = raw['parentId'] ?? data['iteration_id'] ?? data['loop_id'];
    return {
      id: str(raw['id']),
      kind: data['type'] as string,
      title: str(data['title']) || str(data['type']),
      data,
      parentId: parent === undefined || parent === null || parent === '' ? undefined : str(parent),
      path,
    };
  });
  refuseDuplicates(nodes, source);
  const rawEdges: unknown = graph['edges'] ?? [];
  if (!Array.isArray(rawEdges)) {
    throw new TranslateError(
      `not a Dify workflow DSL: \`edges\` must be a list, found ${describe(rawEdges)}`,
      source.at([...base, 'edges']),
    );
  }
  const edges = rawEdges.map((raw, i) => {
    if (!isObject(raw) || raw['source'] === undefined || raw['target'] === undefined) {
      throw new TranslateError(
        `not a Dify workflow DSL: an edge must have \`source\` and \`target\`, found ${describe(raw)}`,
        source.at([...base, 'edges', i]),
      );
    }
    const handle = raw['sourceHandle'];
    return {
      source: str(raw['source']),
      target: str(raw['target']),
      handle:
        typeof handle === 'string' && handle !== '' && handle !== 'source' ? handle : undefined,
    };
  });
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isObject) : []);
  return {
    name: typeof app['name'] === 'string' ? app['name'] : undefined,
    description:
      typeof app['description'] === 'string' && app['description'] !== ''
        ? app['description']
        : undefined,
    mode,
    nodes,
    edges,
    environment: list(workflow['environment_variables']),
    conversation: list(workflow['conversation_variables']),
  };
}
