/**
 * @module dsl/sites
 * Finds every expression and template in a graph definition, with the scope it is evaluated in:
 * node parameters (by the node type's `expressions` and `raw` paths), node `when`, a loop's
 * `while` (which also sees its body), `outputs`, and the start keys (`concurrency.key`,
 * `singleton.key`, `debounce.key`).
 */
import type { NodeRegistry } from '../nodes/registry.js';
import { forEachDynamicString, toPatterns, type PathPattern } from './expressions.js';
import type { Path } from './findings.js';
import type { Level, NodeEntry } from './normalize.js';

export type SiteScope =
  | { kind: 'node'; node: NodeEntry }
  /** A loop's `while`: the loop node's scope plus its body's nodes. */
  | { kind: 'while'; node: NodeEntry }
  | { kind: 'outputs' }
  /** A key evaluated when a run is started (`concurrency.key`, `singleton.key`, `debounce.key`). */
  | { kind: 'start-key'; field: string }
  /** Syntax only. */
  | { kind: 'none' };

export interface Site {
  path: Path;
  text: string;
  mode: 'expression' | 'template';
  scope: SiteScope;
}

/** A node type's expression and raw paths, split once per type. */
export class PatternCache {
  readonly #cache = new Map<string, { expressions: PathPattern[]; raw: PathPattern[] }>();
  constructor(private readonly registry: NodeRegistry) {}

  of(type: string | undefined): { expressions: PathPattern[]; raw: PathPattern[] } {
    const key = type ?? '';
    let p = this.#cache.get(key);
    if (p === undefined) {
      const t = type === undefined ? undefined : this.registry.get(type);
      p = { expressions: toPatterns(t?.expressions), raw: toPatterns(t?.raw) };
      this.#cache.set(key, p);
    }
    return p;
  }
}

/** The sites of one node's `with` and `when`, whatever the level. */
export function nodeSites(
  path: Path,
  params: Record<string, unknown> | undefined,
  when: unknown,
  type: string | undefined,
  patterns: PatternCache,
  scopeOf: (rel: readonly (string | number)[]) => SiteScope,
  push: (site: Site) => void,
): void {
  const { expressions, raw } = patterns.of(type);
  if (params !== undefined) {
    forEachDynamicString(params, expressions, raw, (s) =>
      push({
        path: [...path, 'with', ...s.rel],
        text: s.text,
        mode: s.mode,
        scope: scopeOf(s.rel),
      }),
    );
  }
  if (typeof when === 'string')
    push({ path: [...path, 'when'], text: when, mode: 'expression', scope: scopeOf([]) });
}

/** Every site of a graph workflow. */
export function graphSites(
  root: Record<string, unknown>,
  top: Level,
  patterns: PatternCache,
  push: (site: Site) => void,
): void {
  const levels: Level[] = [top];
  for (let i = 0; i < levels.length; i++) {
    for (const node of (levels[i] as Level).nodes) {
      const nodeScope: SiteScope = { kind: 'node', node };
      const whileScope: SiteScope = { kind: 'while', node };
      const isLoop = node.control === 'loop' && node.body !== undefined;
      nodeSites(
        node.path,
        node.params,
        node.raw['when'],
        node.type,
        patterns,
        (rel) => (isLoop && rel[0] === 'while' ? whileScope : nodeScope),
        push,
      );
      if (node.body !== undefined) levels.push(node.body);
    }
  }
  const outputs = root['outputs'];
  if (typeof outputs === 'object' && outputs !== null) {
    forEachDynamicString(outputs, [], [], (s) =>
      push({
        path: ['outputs', ...s.rel],
        text: s.text,
        mode: 'template',
        scope: { kind: 'outputs' },
      }),
    );
  }
  startKeySites(root, push);
}

/** The workflow's start keys: templates over `inputs` and `run` only, read before a run exists. */
export function startKeySites(root: Record<string, unknown>, push: (s: Site) => void): void {
  for (const field of ['concurrency', 'singleton', 'debounce']) {
    const section = root[field];
    const key =
      typeof section === 'object' && section !== null
        ? (section as Record<string, unknown>)['key']
        : undefined;
    if (typeof key === 'string' && key.includes('{{')) {
      push({
        path: [field, 'key'],
        text: key,
        mode: 'template',
        scope: { kind: 'start-key', field: `${field}.key` },
      });
    }
  }
}
