/**
 * @module dsl/normalize
 * The graph as the checks see it, built defensively from raw data (so that graph problems are
 * reported even when some node is malformed), and the normalised definition built from it once
 * everything is valid: `needs` become edges, bodies given under `with.nodes`/`with.edges` move to
 * the node, duplicate edges are merged.
 *
 * Every node and edge remembers the path it was written at, so diagnostics point at the source
 * (`nodes[2].needs[0]`, `nodes[1].with.nodes[0]`) and not at the normalised form.
 */
import { z } from 'zod';
import type { ControlKind } from '../compile/plan.js';
import type { NodeRegistry } from '../nodes/registry.js';
import type { EdgeDefinition, NodeDefinition, WorkflowDefinition } from './types.js';
import type { Findings, Path } from './findings.js';
import { EdgeSchema, NodeSchema } from './schema.js';
import { dslErrorMap, issuesToFindings } from './zod-issues.js';

export interface NodeEntry {
  raw: Record<string, unknown>;
  path: Path;
  /** Set when the node's id is a string (valid or not). */
  id: string | undefined;
  type: string | undefined;
  control: ControlKind | undefined;
  /** The parameters, without a body moved out of them. */
  params: Record<string, unknown> | undefined;
  /** Present when the node has a body (foreach/loop). */
  body: Level | undefined;
  level: Level;
  /** Position in `level.nodes`. */
  index: number;
}

export interface EdgeEntry {
  from: string;
  port: string;
  to: string;
  /** Where the edge was written: `edges[3]` or `nodes[2].needs[0]`. */
  path: Path;
  fromPath: Path;
  toPath: Path;
  /** Where the port was written, if it was. */
  portPath: Path | undefined;
  /** Written under `needs` rather than `edges`. */
  viaNeeds: boolean;
}

export interface Level {
  nodes: NodeEntry[];
  edges: EdgeEntry[];
  /** The foreach/loop node owning this body; undefined at the top level. */
  container: NodeEntry | undefined;
  parent: Level | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Counts nodes at every level without recursion, to refuse oversized definitions early. */
export function countNodes(root: unknown): number {
  let count = 0;
  const stack: unknown[] = [isObject(root) ? root['nodes'] : undefined];
  while (stack.length > 0) {
    const nodes = stack.pop();
    if (!Array.isArray(nodes)) continue;
    count += nodes.length;
    for (const n of nodes) {
      if (!isObject(n)) continue;
      stack.push(n['nodes']);
      const w = n['with'];
      if (isObject(w)) stack.push(w['nodes']);
    }
  }
  return count;
}

const BodyNodes = z.array(NodeSchema);
const BodyEdges = z.array(EdgeSchema);

/** Builds the level tree of a graph workflow, reporting body-shape problems as it goes. */
export function buildLevels(
  root: Record<string, unknown>,
  registry: NodeRegistry,
  findings: Findings,
): Level {
  const top: Level = { nodes: [], edges: [], container: undefined, parent: undefined };
  fillLevel(top, root['nodes'], ['nodes'], root['edges'], ['edges'], registry, findings);
  return top;
}

function fillLevel(
  level: Level,
  nodes: unknown,
  nodesPath: Path,
  edges: unknown,
  edgesPath: Path,
  registry: NodeRegistry,
  findings: Findings,
): void {
  const needsEdges: EdgeEntry[] = [];
  if (Array.isArray(nodes)) {
    nodes.forEach((raw: unknown, i) => {
      if (!isObject(raw)) return;
      const path = [...nodesPath, i];
      const entry = makeNode(raw, path, level, registry, findings);
      level.nodes.push(entry);
      if (entry.id !== undefined) collectNeeds(raw['needs'], path, entry.id, needsEdges);
    });
  }
  if (Array.isArray(edges)) {
    edges.forEach((e: unknown, k) => {
      if (!isObject(e)) return;
      const { from, to, port } = e;
      if (typeof from !== 'string' || typeof to !== 'string') return;
      const path = [...edgesPath, k];
      level.edges.push({
        from,
        to,
        port: typeof port === 'string' ? port : 'out',
        path,
        fromPath: [...path, 'from'],
        toPath: [...path, 'to'],
        portPath: typeof port === 'string' ? [...path, 'port'] : undefined,
        viaNeeds: false,
      });
    });
  }
  level.edges.push(...needsEdges);
}

function collectNeeds(needs: unknown, nodePath: Path, to: string, out: EdgeEntry[]): void {
  if (!Array.isArray(needs)) return;
  needs.forEach((n: unknown, j) => {
    const path = [...nodePath, 'needs', j];
    if (typeof n === 'string') {
      out.push({
        from: n,
        port: 'out',
        to,
        path,
        fromPath: path,
        toPath: [...nodePath, 'id'],
        portPath: undefined,
        viaNeeds: true,
      });
    } else if (isObject(n) && typeof n['node'] === 'string') {
      const port = n['port'];
      out.push({
        from: n['node'],
        port: typeof port === 'string' ? port : 'out',
        to,
        path,
        fromPath: [...path, 'node'],
        toPath: [...nodePath, 'id'],
        portPath: typeof port === 'string' ? [...path, 'port'] : undefined,
        viaNeeds: true,
      });
    }
  });
}

function makeNode(
  raw: Record<string, unknown>,
  path: Path,
  level: Level,
  registry: NodeRegistry,
  findings: Findings,
): NodeEntry {
  const id = typeof raw['id'] === 'string' ? raw['id'] : undefined;
  const type = typeof raw['type'] === 'string' ? raw['type'] : undefined;
  const nodeType = type === undefined ? undefined : registry.get(type);
  const control = type === undefined ? undefined : registry.control(type)?.kind;
  const withValue = isObject(raw['with']) ? raw['with'] : undefined;
  const entry: NodeEntry = {
    raw,
    path,
    id,
    type,
    control,
    params: withValue,
    body: undefined,
    level,
    index: level.nodes.length,
  };

  const hasNodeBody = raw['nodes'] !== undefined || raw['edges'] !== undefined;
  if (control !== 'foreach' && control !== 'loop') {
    if (hasNodeBody && nodeType !== undefined) {
      const key = raw['nodes'] !== undefined ? 'nodes' : 'edges';
      findings.error(
        [...path, key],
        `only \`foreach\` and \`loop\` nodes have a body; \`${type}\` does not`,
        { at: 'key' },
      );
    }
    return entry;
  }

  const hasWithBody =
    withValue !== undefined &&
    (withValue['nodes'] !== undefined || withValue['edges'] !== undefined);
  let bodyNodes = raw['nodes'];
  let bodyEdges = raw['edges'];
  let nodesPath: Path = [...path, 'nodes'];
  let edgesPath: Path = [...path, 'edges'];
  if (hasWithBody && withValue !== undefined) {
    const { nodes: wn, edges: we, ...rest } = withValue;
    entry.params = rest;
    if (hasNodeBody) {
      findings.error(
        [...path, 'with', wn !== undefined ? 'nodes' : 'edges'],
        'the body is given twice: under the node and under `with`',
        {
          at: 'key',
        },
      );
    } else {
      bodyNodes = wn;
      bodyEdges = we;
      nodesPath = [...path, 'with', 'nodes'];
      edgesPath = [...path, 'with', 'edges'];
      // The DSL schema sees `with` as open; a body moved from there gets the node rules here.
      if (wn !== undefined) {
        const r = BodyNodes.safeParse(wn, { error: dslErrorMap });
        if (!r.success)
          issuesToFindings(r.error.issues, nodesPath, findings.items, { dslHints: true });
      }
      if (we !== undefined) {
        const r = BodyEdges.safeParse(we, { error: dslErrorMap });
        if (!r.success)
          issuesToFindings(r.error.issues, edgesPath, findings.items, { dslHints: true });
      }
    }
  }

  const workflowRef = entry.params?.['workflow'];
  const hasBody = bodyNodes !== undefined || bodyEdges !== undefined;
  if (control === 'foreach' && workflowRef !== undefined) {
    if (hasBody) {
      findings.error(nodesPath, '`foreach` has both a body and `with.workflow`: give one of them', {
        at: 'key',
      });
    }
    return entry;
  }
  if (!hasBody) {
    findings.error(
      path,
      control === 'foreach'
        ? '`foreach` needs a body (`nodes`, `edges`) or `with.workflow`'
        : '`loop` needs a body (`nodes`, `edges`)',
    );
    return entry;
  }
  if (!Array.isArray(bodyNodes) || bodyNodes.length === 0) {
    if (Array.isArray(bodyNodes) || bodyNodes === undefined)
      findings.error(nodesPath, `the body of \`${control}\` has no nodes`);
  }
  const body: Level = { nodes: [], edges: [], container: entry, parent: level };
  fillLevel(body, bodyNodes, nodesPath, bodyEdges, edgesPath, registry, findings);
  entry.body = body;
  return entry;
}

/** Edge identity for merging duplicates. */
export const edgeKey = (from: string, port: string, to: string): string =>
  `${from}\u0000${port}\u0000${to}`;

const NODE_KEY_ORDER = [
  'id',
  'type',
  'name',
  'description',
  'with',
  'when',
  'join',
  'retry',
  'timeout_ms',
  'on_error',
  'limits',
  'rate',
  'budget',
] as const;

/** The normalised definition; call only when validation found no errors. */
export function normalizedDefinition(
  root: Record<string, unknown>,
  top: Level,
): WorkflowDefinition {
  const out: Record<string, unknown> = {};
  for (const key of [
    'id',
    'name',
    'description',
    'kind',
    'inputs',
    'outputs',
    'defaults',
    'limits',
    'retention',
    'concurrency',
    'singleton',
    'debounce',
    'triggers',
  ] as const) {
    if (root[key] !== undefined) out[key] = root[key];
  }
  if (root['kind'] === 'state-machine') {
    out['nodes'] = [];
    out['edges'] = [];
    for (const key of ['initial', 'context', 'states'] as const)
      if (root[key] !== undefined) out[key] = root[key];
  } else {
    out['nodes'] = top.nodes.map(normalizedNode);
    out['edges'] = normalizedEdges(top);
  }
  return out as unknown as WorkflowDefinition;
}

function normalizedNode(entry: NodeEntry): NodeDefinition {
  const out: Record<string, unknown> = {};
  for (const key of NODE_KEY_ORDER) {
    const v = key === 'with' ? entry.params : entry.raw[key];
    if (v !== undefined) out[key] = v;
  }
  if (entry.body !== undefined) {
    out['nodes'] = entry.body.nodes.map(normalizedNode);
    out['edges'] = normalizedEdges(entry.body);
  }
  return out as unknown as NodeDefinition;
}

function normalizedEdges(level: Level): EdgeDefinition[] {
  const seen = new Set<string>();
  const out: EdgeDefinition[] = [];
  for (const e of level.edges) {
    const key = edgeKey(e.from, e.port, e.to);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      e.port === 'out' ? { from: e.from, to: e.to } : { from: e.from, port: e.port, to: e.to },
    );
  }
  return out;
}
