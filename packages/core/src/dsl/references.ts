/**
 * @module dsl/references
 * Checks the names expressions read: `inputs`, `run`, the body variables of enclosing
 * `foreach`/`loop` nodes, or a node upstream of the reader — at its level, or upstream of the
 * container at an enclosing level.
 *
 * Upstream questions are collected first and answered per level in one pass. Most references
 * name a direct predecessor (an O(1) answer) or a node later in topological order (certainly not
 * upstream); only the rest need reachability, computed as ancestor bitsets over the referenced
 * nodes alone, in topological order. That keeps a 10,000-node chain linear where a search per
 * reference would be quadratic.
 */
import { rootOffset } from './expressions.js';
import type { Findings } from './findings.js';
import type { GraphIndex, LevelGraph } from './graph-checks.js';
import type { Level, NodeEntry } from './normalize.js';
import type { Site } from './sites.js';
import { suggest } from './zod-issues.js';

const BODY_VARIABLES: Record<string, readonly string[]> = {
  foreach: ['item', 'index'],
  loop: ['iteration', 'previous'],
};

interface Query {
  /** Index of the referenced node and of the node that must be downstream of it, at one level. */
  x: number;
  y: number;
  name: string;
  reader: NodeEntry;
  site: Site;
}

const list = (names: readonly string[]): string => {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length <= 1
    ? (quoted[0] ?? '')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
};

export class ReferenceChecker {
  readonly #queries = new Map<LevelGraph, Query[]>();

  constructor(
    private readonly index: GraphIndex,
    private readonly top: Level,
    private readonly findings: Findings,
  ) {}

  /** Checks the roots one site reads; upstream questions are answered by {@link finish}. */
  check(site: Site, roots: readonly string[]): void {
    for (const name of roots) {
      if (name === 'inputs' || name === 'run') continue;
      switch (site.scope.kind) {
        case 'none':
          break;
        case 'start-key':
          this.#error(
            site,
            name,
            `\`${site.scope.field}\` is evaluated when a run is started: it can read only \`inputs\` and \`run\`, not \`${name}\``,
          );
          break;
        case 'outputs':
          this.#outputsName(site, name);
          break;
        case 'node':
        case 'while':
          this.#nodeName(site, name, site.scope.node, site.scope.kind === 'while');
      }
    }
  }

  #error(site: Site, name: string, message: string): void {
    this.findings.error(site.path, message, { offset: rootOffset(site.text, name) });
  }

  #outputsName(site: Site, name: string): void {
    if (this.index.levels.get(this.top)?.byId.has(name) === true) return;
    const owner = this.index.allIds.get(name)?.[0]?.level.container;
    if (owner !== undefined) {
      this.#error(
        site,
        name,
        `\`outputs\` can read top-level nodes only; \`${name}\` is inside the body of \`${owner.id ?? '?'}\``,
      );
    } else {
      const candidates = [...(this.index.levels.get(this.top)?.byId.keys() ?? []), 'inputs', 'run'];
      this.#error(
        site,
        name,
        `unknown name \`${name}\`: not a node, \`inputs\` or \`run\`${suggest(name, candidates)}`,
      );
    }
  }

  #nodeName(site: Site, name: string, reader: NodeEntry, isWhile: boolean): void {
    if (isWhile) {
      if (reader.body !== undefined && this.index.levels.get(reader.body)?.byId.has(name) === true)
        return;
      if (BODY_VARIABLES['loop']?.includes(name) === true) return;
    }
    const variables: string[] = [];
    for (
      let level: Level | undefined = reader.level;
      level?.container !== undefined;
      level = level.parent
    ) {
      for (const v of BODY_VARIABLES[level.container.control ?? ''] ?? [])
        if (!variables.includes(v)) variables.push(v);
    }
    if (variables.includes(name)) return;

    // Walk out through the enclosing levels; at each, the node that must be downstream of the named
    // one is the reader itself, then the container holding it.
    let downstream: NodeEntry | undefined = reader;
    for (
      let level: Level | undefined = reader.level;
      level !== undefined && downstream !== undefined;
      level = level.parent
    ) {
      const graph = this.index.levels.get(level);
      const x = graph?.byId.get(name);
      if (graph !== undefined && x !== undefined) {
        if (x === downstream) this.#notUpstream(site, name, reader, '');
        else this.#queue(graph, { x: x.index, y: downstream.index, name, reader, site });
        return;
      }
      downstream = level.container;
    }

    const elsewhere = this.index.allIds.get(name)?.[0];
    if (elsewhere !== undefined) {
      const owner = elsewhere.level.container;
      this.#notUpstream(
        site,
        name,
        reader,
        owner === undefined ? '' : ` (\`${name}\` is inside the body of \`${owner.id ?? '?'}\`)`,
      );
      return;
    }
    const known = [
      'inputs',
      'run',
      ...variables,
      ...(isWhile ? (BODY_VARIABLES['loop'] ?? []) : []),
    ].filter((v, i, a) => a.indexOf(v) === i);
    const candidates: string[] = [...known];
    for (let level: Level | undefined = reader.level; level !== undefined; level = level.parent) {
      candidates.push(...(this.index.levels.get(level)?.byId.keys() ?? []));
    }
    this.#error(
      site,
      name,
      `unknown name \`${name}\`: not a node, ${list(known)}${suggest(name, candidates)}`,
    );
  }

  #notUpstream(site: Site, name: string, reader: NodeEntry, hint: string): void {
    this.#error(
      site,
      name,
      `references node \`${name}\`, which is not upstream of \`${reader.id ?? '?'}\`${hint}`,
    );
  }

  #queue(graph: LevelGraph, q: Query): void {
    const qs = this.#queries.get(graph);
    if (qs === undefined) this.#queries.set(graph, [q]);
    else qs.push(q);
  }

  /**
   * Answers the collected upstream questions. A level with a cycle has no topological order: there
   * each question is a backward search, and references between nodes of one cycle are left to the
   * cycle's own diagnostic.
   */
  finish(): void {
    for (const [graph, queries] of this.#queries) {
      const { topo, preds, order } = graph;
      if (topo === undefined) {
        for (const q of queries) {
          if (!reaches(preds, q.x, q.y) && !reaches(preds, q.y, q.x)) {
            this.#notUpstream(q.site, q.name, q.reader, '');
          }
        }
        continue;
      }
      const slow: Query[] = [];
      for (const q of queries) {
        if ((topo[q.x] as number) >= (topo[q.y] as number))
          this.#notUpstream(q.site, q.name, q.reader, '');
        else if (!(preds[q.y] ?? []).includes(q.x)) slow.push(q);
      }
      if (slow.length === 0) continue;
      const ancestors = ancestorSets(
        graph.level.nodes.length,
        preds,
        order,
        slow.map((q) => q.x),
      );
      for (const q of slow)
        if (!ancestors.has(q.x, q.y)) this.#notUpstream(q.site, q.name, q.reader, '');
    }
    this.#queries.clear();
  }
}

/** Whether `x` is an ancestor of `y`: a backward search from `y`, without recursion. */
function reaches(preds: readonly number[][], x: number, y: number): boolean {
  const seen = new Set<number>([y]);
  const stack = [y];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    for (const p of preds[v] ?? []) {
      if (p === x) return true;
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return false;
}

/**
 * For each node, which of the `targets` are its ancestors, as one bitset row per node over the
 * targets only. Built in topological order: a node's row is the union of its predecessors' rows
 * plus the predecessors that are targets.
 */
function ancestorSets(
  n: number,
  preds: number[][],
  order: readonly number[],
  targets: readonly number[],
) {
  const column = new Int32Array(n).fill(-1);
  let k = 0;
  for (const t of targets) if (column[t] === -1) column[t] = k++;
  const words = (k + 31) >>> 5;
  const bits = new Uint32Array(n * words);
  for (const v of order) {
    const row = v * words;
    for (const p of preds[v] ?? []) {
      const prow = p * words;
      for (let w = 0; w < words; w++)
        bits[row + w] = (bits[row + w] as number) | (bits[prow + w] as number);
      const c = column[p] as number;
      if (c >= 0) bits[row + (c >>> 5)] = (bits[row + (c >>> 5)] as number) | (1 << (c & 31));
    }
  }
  return {
    has(x: number, y: number): boolean {
      const c = column[x] as number;
      return c >= 0 && ((bits[y * words + (c >>> 5)] as number) & (1 << (c & 31))) !== 0;
    },
  };
}
