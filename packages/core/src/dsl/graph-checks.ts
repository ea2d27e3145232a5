/**
 * @module dsl/graph-checks
 * Per-level graph rules: node ids (unique, not reserved, not shadowing an enclosing level), known
 * node types, edges (no dangling ends, known ports, no self-edges), acyclicity and reachability.
 * Also computes what the reference checks need: ids by level, predecessor lists and a topological
 * order. All walks are iterative: a 20,000-node chain must not overflow the stack.
 */
import { FORBIDDEN_KEYS } from '../expr/guards.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { formatPath } from './diagnostic.js';
import type { Findings, Path } from './findings.js';
import type { EdgeEntry, Level, NodeEntry } from './normalize.js';
import { suggest } from './zod-issues.js';

/**
 * Names a node id must not take: they are read from the scope by expressions (`inputs`, `run`,
 * the body variables, state-machine `event`/`context`/`state`, `error` kept for handlers), or are
 * JSONata literals and operators that would make `<id>.field` unreadable.
 */
export const RESERVED_NAMES: readonly string[] = Object.freeze([
  'inputs',
  'run',
  'item',
  'index',
  'iteration',
  'previous',
  'error',
  'event',
  'context',
  'state',
  'true',
  'false',
  'null',
  'and',
  'or',
  'in',
]);
const RESERVED = new Set(RESERVED_NAMES);

/** What the later checks need to know about one level. */
export interface LevelGraph {
  level: Level;
  /** First node with each id. */
  byId: Map<string, NodeEntry>;
  /** Predecessors and successors by node index (valid edges only, deduplicated). */
  preds: number[][];
  succs: number[][];
  /** Position of each node in a topological order; undefined when the level has a cycle. */
  topo: Int32Array | undefined;
  /** Node indices in topological order (complete only when acyclic). */
  order: number[];
}

export interface GraphIndex {
  levels: Map<Level, LevelGraph>;
  /** Every node by id, at any level, for "it is inside the body of ..." hints. */
  allIds: Map<string, NodeEntry[]>;
}

/** Runs the graph checks on a level and, depth first, on the bodies it holds. */
export function checkGraph(
  top: Level,
  registry: NodeRegistry,
  defaultOnError: unknown,
  findings: Findings,
): GraphIndex {
  const index: GraphIndex = { levels: new Map(), allIds: new Map() };
  // All ids first, so that an edge into another level can say where its target lives.
  const all: Level[] = [top];
  for (let i = 0; i < all.length; i++) {
    for (const node of (all[i] as Level).nodes) {
      if (node.id !== undefined) {
        const list = index.allIds.get(node.id);
        if (list === undefined) index.allIds.set(node.id, [node]);
        else list.push(node);
      }
      if (node.body !== undefined) all.push(node.body);
    }
  }
  const typeNames = registry.list().map((t) => t.type);
  const work: { level: Level; enclosing: Map<string, NodeEntry> }[] = [
    { level: top, enclosing: new Map() },
  ];
  while (work.length > 0) {
    const { level, enclosing } = work.pop() as { level: Level; enclosing: Map<string, NodeEntry> };
    const graph = checkLevel(
      level,
      enclosing,
      registry,
      typeNames,
      defaultOnError,
      findings,
      index,
    );
    index.levels.set(level, graph);
    for (const n of level.nodes) {
      if (n.body === undefined) continue;
      const inner = new Map(enclosing);
      for (const [id, e] of graph.byId) inner.set(id, e);
      work.push({ level: n.body, enclosing: inner });
    }
  }
  return index;
}

/** The ports edges may leave `node` from, or undefined when its type is unknown. */
export function portsOf(
  node: NodeEntry,
  registry: NodeRegistry,
  defaultOnError: unknown,
): string[] | undefined {
  if (node.type === undefined || !registry.has(node.type)) return undefined;
  let ports: string[];
  try {
    ports = registry.portsOf(node.type, node.params ?? {});
  } catch {
    // A ports function may choke on malformed parameters; those are reported by the params check.
    return undefined;
  }
  const onError = node.raw['on_error'] ?? defaultOnError;
  return onError === 'branch' ? [...ports, 'error'] : ports;
}

function checkLevel(
  level: Level,
  enclosing: Map<string, NodeEntry>,
  registry: NodeRegistry,
  typeNames: readonly string[],
  defaultOnError: unknown,
  findings: Findings,
  index: GraphIndex,
): LevelGraph {
  const byId = new Map<string, NodeEntry>();
  for (const node of level.nodes) {
    const { id } = node;
    if (id !== undefined) {
      const idPath = (): Path => [...node.path, 'id'];
      if (RESERVED.has(id)) {
        findings.error(
          idPath(),
          `node id \`${id}\` is reserved: expressions read \`${id}\` as something else`,
        );
      } else if (FORBIDDEN_KEYS.has(id)) {
        // Ids are keys of the scope and of the run view: these would reach JavaScript prototypes.
        findings.error(
          idPath(),
          `node id \`${id}\` is not allowed: it names a JavaScript prototype key, which expressions never read`,
        );
      }
      const first = byId.get(id);
      if (first !== undefined) {
        findings.error(
          idPath(),
          `duplicate node id \`${id}\` (first used at ${formatPath(first.path)})`,
        );
      } else {
        byId.set(id, node);
        const outer = enclosing.get(id);
        if (outer !== undefined) {
          findings.error(
            idPath(),
            `node id \`${id}\` is already used by an enclosing level (${formatPath(outer.path)})`,
          );
        }
      }
    }
    if (node.type !== undefined && !registry.has(node.type)) {
      findings.error(
        [...node.path, 'type'],
        `unknown node type \`${node.type}\`${suggest(node.type, typeNames)}`,
      );
    }
  }

  const n = level.nodes.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  /** By `from * n + to`: the first edge between two nodes. */
  const firstEdge = new Map<number, EdgeEntry>();
  const portCache = new Map<NodeEntry, string[] | undefined>();
  const hasErrorEdge = new Set<NodeEntry>();

  for (const edge of level.edges) {
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    const word = edge.viaNeeds ? 'needs' : 'edge from';
    if (from === undefined) {
      findings.error(
        edge.fromPath,
        `${word} unknown node \`${edge.from}\`${elsewhereHint(edge.from, index, enclosing, byId)}`,
      );
    }
    if (to === undefined && !edge.viaNeeds) {
      findings.error(
        edge.toPath,
        `edge to unknown node \`${edge.to}\`${elsewhereHint(edge.to, index, enclosing, byId)}`,
      );
    }
    if (from === undefined || to === undefined) continue;
    if (!portCache.has(from)) portCache.set(from, portsOf(from, registry, defaultOnError));
    const ports = portCache.get(from);
    if (ports !== undefined && !ports.includes(edge.port)) {
      const where = edge.portPath ?? edge.path;
      if (edge.port === 'error') {
        findings.error(
          where,
          `node \`${edge.from}\` has no port \`error\`: give it \`on_error: branch\` to route its errors`,
        );
      } else {
        findings.error(
          where,
          `node \`${edge.from}\` (${from.type}) has no port \`${edge.port}\`${suggest(edge.port, ports)}; its ports are ${ports.join(', ')}`,
        );
      }
    }
    if (edge.port === 'error') hasErrorEdge.add(from);
    if (from === to) {
      findings.error(
        edge.path,
        edge.viaNeeds
          ? `node \`${edge.to}\` needs itself`
          : `node \`${edge.from}\` has an edge to itself`,
      );
      continue;
    }
    const key = from.index * n + to.index;
    if (firstEdge.has(key)) continue;
    firstEdge.set(key, edge);
    preds[to.index]?.push(from.index);
    succs[from.index]?.push(to.index);
  }

  for (const node of level.nodes) {
    if (
      (node.raw['on_error'] ?? defaultOnError) === 'branch' &&
      !hasErrorEdge.has(node) &&
      node.id !== undefined
    ) {
      if (byId.get(node.id) === node && node.type !== undefined && registry.has(node.type)) {
        findings.warn(
          [...node.path, 'on_error'],
          `node \`${node.id}\` has \`on_error: branch\` but no edge leaves its \`error\` port`,
        );
      }
    }
  }

  // Kahn's algorithm: a complete order proves the level acyclic.
  const indegree = new Int32Array(n);
  for (let v = 0; v < n; v++) indegree[v] = preds[v]?.length ?? 0;
  const order: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) order.push(v);
  for (let i = 0; i < order.length; i++) {
    for (const w of succs[order[i] as number] ?? []) {
      indegree[w] = (indegree[w] ?? 0) - 1;
      if (indegree[w] === 0) order.push(w);
    }
  }
  let topo: Int32Array | undefined;
  if (order.length === n) {
    topo = new Int32Array(n);
    order.forEach((v, i) => {
      (topo as Int32Array)[v] = i;
    });
  } else {
    reportCycles(level, succs, firstEdge, preds, findings);
  }
  return { level, byId, preds, succs, topo, order };
}

/** Says where an id that is not at this level lives, or suggests a near one that is. */
function elsewhereHint(
  id: string,
  index: GraphIndex,
  enclosing: Map<string, NodeEntry>,
  byId: Map<string, NodeEntry>,
): string {
  if (enclosing.has(id))
    return ` (\`${id}\` is in an enclosing level; edges connect nodes of one level)`;
  const owner = index.allIds.get(id)?.[0]?.level.container;
  if (owner?.id !== undefined)
    return ` (\`${id}\` is inside the body of \`${owner.id}\`; edges connect nodes of one level)`;
  return suggest(id, byId.keys());
}

/**
 * Reports each strongly connected component with more than one node as one cycle, named in order
 * from its first node in the definition, at the edge that closes it; then the nodes that no entry
 * node reaches (those downstream of a cycle only).
 */
function reportCycles(
  level: Level,
  succs: number[][],
  firstEdge: Map<number, EdgeEntry>,
  preds: number[][],
  findings: Findings,
): void {
  const n = level.nodes.length;
  const comp = tarjan(n, succs);
  const members = new Map<number, number[]>();
  for (let v = 0; v < n; v++) {
    const c = comp[v] as number;
    const list = members.get(c);
    if (list === undefined) members.set(c, [v]);
    else list.push(v);
  }
  const onCycle = new Uint8Array(n);
  const name = (v: number): string => level.nodes[v]?.id ?? '?';
  for (const list of members.values()) {
    if (list.length < 2) continue;
    for (const v of list) onCycle[v] = 1;
    const start = Math.min(...list);
    const c = comp[start];
    // Shortest way round: BFS from `start` inside the component until an edge leads back to it.
    const parent = new Map<number, number>([[start, -1]]);
    const queue = [start];
    let closing = -1;
    for (let i = 0; i < queue.length && closing === -1; i++) {
      const u = queue[i] as number;
      for (const w of succs[u] ?? []) {
        if (w === start) {
          closing = u;
          break;
        }
        if (comp[w] !== c || parent.has(w)) continue;
        parent.set(w, u);
        queue.push(w);
      }
    }
    const cycle: number[] = [];
    for (let v = closing; v !== -1; v = parent.get(v) ?? -1) cycle.push(v);
    cycle.reverse();
    const edge = firstEdge.get(closing * n + start);
    findings.error(
      edge?.path ?? level.nodes[start]?.path ?? [],
      `cycle: ${[...cycle, start].map(name).join(' -> ')}`,
    );
  }

  const reached = new Uint8Array(n);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) {
    if ((preds[v]?.length ?? 0) === 0) {
      reached[v] = 1;
      queue.push(v);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    for (const w of succs[queue[i] as number] ?? []) {
      if (reached[w] === 0) {
        reached[w] = 1;
        queue.push(w);
      }
    }
  }
  for (let v = 0; v < n; v++) {
    const node = level.nodes[v];
    if (reached[v] === 0 && onCycle[v] === 0 && node !== undefined) {
      findings.error(
        node.path,
        `node \`${name(v)}\` is unreachable: no path from an entry node (one without incoming edges) leads to it`,
      );
    }
  }
}

/** Tarjan's strongly connected components, iterative. Returns the component of each node. */
export function tarjan(n: number, succs: number[][]): Int32Array {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const frames: number[] = []; // pairs: node, next successor position
  let counter = 0;
  let components = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    index[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = 1;
    frames.push(s, 0);
    while (frames.length > 0) {
      const top = frames.length - 2;
      const v = frames[top] as number;
      const i = frames[top + 1] as number;
      const out = succs[v] ?? [];
      if (i < out.length) {
        frames[top + 1] = i + 1;
        const w = out[i] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          frames.push(w, 0);
        } else if (onStack[w] === 1) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      frames.length -= 2;
      if (frames.length > 0) {
        const p = frames[frames.length - 2] as number;
        low[p] = Math.min(low[p] as number, low[v] as number);
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }
  return comp;
}
