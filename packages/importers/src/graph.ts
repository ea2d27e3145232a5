/**
 * @module importers/graph
 * The Weft graph an importer builds (nodes, edges, nested bodies), and the bookkeeping both
 * importers share: notes by path, parts left out, ids.
 */
import { IdAllocator } from './ids.js';
import { TranslateError, type Note, type Unsupported } from './problems.js';
import type { Path, Source } from './source.js';

export interface WeftEdge {
  from: string;
  to: string;
  port?: string;
}

export interface WeftNode {
  id: string;
  type: string;
  name?: string;
  with?: Record<string, unknown>;
  nodes?: WeftNode[];
  edges?: WeftEdge[];
}

/** One level of a graph: the workflow's, or a foreach body. */
export interface Level {
  nodes: WeftNode[];
  edges: WeftEdge[];
}

/** Notes on the nodes being built, placed once the nodes have their final paths. */
export class Build {
  readonly ids = new IdAllocator();
  readonly unsupported: Unsupported[] = [];
  readonly #notes = new Map<WeftNode, string[]>();
  readonly #paramNotes = new Map<WeftNode, { key: string; text: string }[]>();

  constructor(readonly source: Source) {}

  /** A comment before the node. */
  note(node: WeftNode, text: string): void {
    const list = this.#notes.get(node) ?? [];
    list.push(text);
    this.#notes.set(node, list);
  }

  /** A comment before one of the node's parameters (a key of `with`). */
  noteParam(node: WeftNode, key: string, text: string): void {
    const list = this.#paramNotes.get(node) ?? [];
    list.push({ key, text });
    this.#paramNotes.set(node, list);
  }

  leaveOut(entry: Omit<Unsupported, 'position'>, at: Path): void {
    this.unsupported.push({ ...entry, position: this.source.at(at) });
  }

  /** A node of `tool` that does not map: listed as left out, and a noop that keeps its place. */
  placeholder(
    node: { id: string; title: string; kind: string; path: Path },
    id: string,
    tool: string,
    reason: string,
  ): WeftNode {
    this.leaveOut({ id: node.id, title: node.title, kind: node.kind, reason }, node.path);
    const weft: WeftNode = { id, type: 'noop', name: node.title };
    this.note(
      weft,
      `left out: ${tool} ${node.kind} node ${node.id} does not map; this noop keeps its place`,
    );
    return weft;
  }

  /** The notes of every node of `level` (and of nested bodies), with their paths in the output. */
  notesOf(level: Level, base: Path = []): Note[] {
    return level.nodes.flatMap((node, i) => {
      const path = [...base, 'nodes', i];
      const own = (this.#notes.get(node) ?? []).map((text) => ({ path, text }));
      const params = (this.#paramNotes.get(node) ?? []).map((p) => ({
        path: [...path, 'with', p.key],
        text: p.text,
      }));
      const body = node.nodes === undefined ? [] : this.notesOf(node as Level, path);
      return [...own, ...params, ...body];
    });
  }
}

/** Edges from every sink of `level` but `target` to `target`: it then runs last. */
/**
 * Each node's translation, made once on first need and kept in `made`; a node needed again while
 * it is being made is refused at its place (`leadsBack` says what led back to it).
 */
export function translateOnce<N extends { id: string; path: Path }, T>(
  made: Map<string, T>,
  source: Source,
  translate: (node: N) => T,
  leadsBack: string,
): (node: N) => T {
  const inProgress = new Set<string>();
  return (node) => {
    const done = made.get(node.id);
    if (done !== undefined) return done;
    if (inProgress.has(node.id)) {
      throw new TranslateError(
        `node ${node.id} reads or contains itself (${leadsBack} lead back to it)`,
        source.at(node.path),
      );
    }
    inProgress.add(node.id);
    const tr = translate(node);
    inProgress.delete(node.id);
    made.set(node.id, tr);
    return tr;
  };
}

export function funnelInto(level: Level, target: string): void {
  const hasOut = new Set(level.edges.map((e) => e.from));
  for (const n of level.nodes) {
    if (n.id !== target && !hasOut.has(n.id)) level.edges.push({ from: n.id, to: target });
  }
}

/** Edges without duplicates, `port` left out when it is `out`. */
export function cleanEdges(edges: readonly WeftEdge[]): WeftEdge[] {
  const seen = new Set<string>();
  const out: WeftEdge[] = [];
  for (const e of edges) {
    const port = e.port === 'out' ? undefined : e.port;
    const key = `${e.from}\u0000${port ?? ''}\u0000${e.to}`;
    if (seen.has(key) || e.from === e.to) continue;
    seen.add(key);
    out.push(port === undefined ? { from: e.from, to: e.to } : { from: e.from, port, to: e.to });
  }
  return out;
}

/** A level as definition data: nested bodies keep their `nodes`/`edges` on the node. */
export function levelData(level: Level): { nodes: unknown[]; edges?: unknown[] } {
  const nodes = level.nodes.map((n) => {
    const { nodes: body, edges: bodyEdges, ...rest } = n;
    if (body === undefined) return rest;
    const inner = levelData({ nodes: body, edges: bodyEdges ?? [] });
    return { ...rest, ...inner };
  });
  const edges = cleanEdges(level.edges);
  return edges.length === 0 ? { nodes } : { nodes, edges };
}
