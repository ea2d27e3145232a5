/**
 * @module dsl/machine-tree
 * The tree of a state machine's states, by path, and how a transition's target names a state:
 * what validation checks and what compiling resolves, so that both read targets one way.
 *
 * A state's path is the names from the top joined by `.` (`shipping.packed`). A target is a
 * path from the top when it holds a `.`; otherwise a name looked up among the source state's
 * siblings, then among its parent's siblings, and so on out to the top level: the nearest state
 * of that name.
 */

export interface TreeState {
  path: string;
  name: string;
  /** Path of the compound state it is in; undefined at the top level. */
  parent: string | undefined;
  /** The state's definition as written (validation reads it before any shape is certain). */
  def: Record<string, unknown>;
  /** Paths of its child states, in definition order. */
  children: string[];
  /** Where it is in the definition: `['states', 'a', 'states', 'b']`. */
  at: (string | number)[];
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every state by path, parents before children, in definition order. */
export function stateTree(states: unknown): Map<string, TreeState> {
  const tree = new Map<string, TreeState>();
  const walk = (level: unknown, parent: TreeState | undefined): void => {
    if (!isRecord(level)) return;
    for (const [name, def] of Object.entries(level)) {
      if (!isRecord(def)) continue;
      const path = parent === undefined ? name : `${parent.path}.${name}`;
      const at = [...(parent?.at ?? []), 'states', name];
      const node: TreeState = { path, name, parent: parent?.path, def, children: [], at };
      tree.set(path, node);
      parent?.children.push(path);
      walk(def['states'], node);
    }
  };
  walk(states, undefined);
  return tree;
}

/** The state a target names from `from` (a state path), if any (see the module comment). */
export function resolveTarget(
  tree: ReadonlyMap<string, TreeState>,
  from: string | undefined,
  target: string,
): string | undefined {
  if (target.includes('.')) return tree.has(target) ? target : undefined;
  for (let scope = from === undefined ? undefined : tree.get(from)?.parent; ;) {
    const path = scope === undefined ? target : `${scope}.${target}`;
    if (tree.has(path)) return path;
    if (scope === undefined) return undefined;
    scope = tree.get(scope)?.parent;
  }
}

/** `a.b.c` -> [`a`, `a.b`, `a.b.c`]: the state and its ancestors, outermost first. */
export function ancestry(path: string): string[] {
  const parts = path.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** A compound state's initial child path, or undefined for a leaf (or an invalid `initial`). */
export function initialChild(
  tree: ReadonlyMap<string, TreeState>,
  path: string,
): string | undefined {
  const s = tree.get(path);
  if (s === undefined || s.children.length === 0) return undefined;
  const initial = s.def['initial'];
  if (typeof initial !== 'string') return undefined;
  const child = `${path}.${initial}`;
  return tree.has(child) ? child : undefined;
}

/** The leaf entered by entering `path`: down through the initial children. */
export function leafOf(tree: ReadonlyMap<string, TreeState>, path: string): string {
  let leaf = path;
  for (let next = initialChild(tree, leaf); next !== undefined; next = initialChild(tree, leaf)) {
    leaf = next;
  }
  return leaf;
}

/** The transitions a `on`/`after` value or `always` holds, as a list. */
export function candidates(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** A candidate's target name, for a string or a `{ target }` object. */
export function targetOf(candidate: unknown): string | undefined {
  if (typeof candidate === 'string') return candidate;
  return isRecord(candidate) && typeof candidate['target'] === 'string'
    ? candidate['target']
    : undefined;
}
