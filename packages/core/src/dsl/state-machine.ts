/**
 * @module dsl/state-machine
 * What `kind` decides: a graph workflow has nodes and no states; a state-machine workflow
 * (SPEC section 5) has states and no nodes. For state machines: the initial state and every
 * transition target exist (targets as `machine-tree.ts` resolves them), compound states name an
 * initial child, final states have no transitions, `after` delays parse, entry/exit actions are
 * known node types with valid parameters, guards and templates parse, every state is reachable
 * and so is some final state.
 * Name resolution in state machines (`event`, `context`) belongs to their runtime and is not
 * checked here.
 */
import type { NodeRegistry } from '../nodes/registry.js';
import type { Findings, Segment } from './findings.js';
import {
  ancestry,
  candidates,
  leafOf,
  resolveTarget,
  stateTree,
  targetOf,
  type TreeState,
} from './machine-tree.js';
import { checkParams } from './params.js';
import { forEachDynamicString } from './expressions.js';
import { nodeSites, type PatternCache, type Site } from './sites.js';
import { parseDuration } from '../runtime/time.js';
import { suggest } from './zod-issues.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ISO_DURATION =
  /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/** The longest `after` delay: 100 years, a due time any clock and store can still hold. */
const MAX_AFTER_MS = 100 * 365 * 24 * 3600 * 1000;

/** An `after` key: an ISO 8601 duration (`PT30S`, `P7D`) or whole milliseconds. */
export function isDelay(key: string): boolean {
  return ISO_DURATION.test(key) || /^\d+$/.test(key);
}

/** Checks the keys that belong to the other kind, and a graph workflow's need for nodes. */
export function checkKind(root: Record<string, unknown>, findings: Findings): void {
  if (root['kind'] === 'state-machine') {
    for (const key of ['nodes', 'edges'] as const) {
      if (root[key] !== undefined) {
        findings.error(
          [key],
          `a state-machine workflow has no \`${key}\`: its actions are the \`entry\` and \`exit\` of its states`,
          { at: 'key' },
        );
      }
    }
    if (root['outputs'] !== undefined) {
      findings.error(
        ['outputs'],
        'a state-machine workflow has no `outputs`: its output is its final state and its `context`',
        { at: 'key' },
      );
    }
    if (root['initial'] === undefined)
      findings.error(['initial'], 'missing required key `initial`');
    if (root['states'] === undefined) findings.error(['states'], 'missing required key `states`');
    return;
  }
  for (const key of ['initial', 'context', 'states'] as const) {
    if (root[key] !== undefined)
      findings.error(
        [key],
        `\`${key}\` belongs to state-machine workflows (\`kind: state-machine\`)`,
        { at: 'key' },
      );
  }
  const nodes = root['nodes'];
  if (nodes === undefined) findings.error(['nodes'], 'missing required key `nodes`');
  else if (Array.isArray(nodes) && nodes.length === 0)
    findings.error(['nodes'], 'a workflow needs at least one node');
}

/** The rules of a state machine's states, transitions and actions. */
export function checkStates(
  root: Record<string, unknown>,
  registry: NodeRegistry,
  patterns: PatternCache,
  findings: Findings,
  push: (site: Site) => void,
): void {
  const states = root['states'];
  if (!isObject(states)) return;
  if (Object.keys(states).length === 0)
    findings.error(['states'], 'a state machine needs at least one state');
  const tree = stateTree(states);
  const initial = root['initial'];
  const start = typeof initial === 'string' ? resolveTarget(tree, undefined, initial) : undefined;
  if (typeof initial === 'string' && start === undefined) {
    const names = Object.keys(states);
    findings.error(['initial'], `unknown state \`${initial}\`${suggest(initial, names)}`);
  }
  const edges = new Map<string, string[]>();
  for (const state of tree.values()) {
    edges.set(state.path, checkState(tree, state, findings, push));
    checkActions(state, registry, patterns, findings, push);
  }
  if (start !== undefined) checkReachable(tree, start, edges, findings);
}

/** One state's own rules; returns the states its transitions lead to. */
function checkState(
  tree: ReadonlyMap<string, TreeState>,
  state: TreeState,
  findings: Findings,
  push: (site: Site) => void,
): string[] {
  const { def, at, name } = state;
  if (name.includes('.')) {
    findings.error(
      at,
      `state name \`${name}\` cannot hold \`.\`: it separates the names of a path`,
      {
        at: 'key',
      },
    );
  }
  const final = def['type'] === 'final';
  const children = state.children.map((c) => tree.get(c)?.name ?? c);
  if (state.children.length > 0 && final) {
    findings.error([...at, 'states'], `final state \`${name}\` cannot have child states`, {
      at: 'key',
    });
  }
  if (state.children.length > 0 && def['initial'] === undefined) {
    findings.error(
      [...at, 'initial'],
      `compound state \`${name}\` needs an \`initial\` child state`,
      {
        at: 'key',
      },
    );
  } else if (typeof def['initial'] === 'string' && !children.includes(def['initial'])) {
    findings.error(
      [...at, 'initial'],
      state.children.length === 0
        ? `\`initial\` belongs to compound states: \`${name}\` has no \`states\``
        : `\`${def['initial']}\` is not a child state of \`${name}\`${suggest(def['initial'], children)}`,
    );
  }
  const targets: string[] = [];
  for (const key of ['on', 'after', 'always'] as const) {
    const value = def[key];
    if (value === undefined) continue;
    if (final) {
      findings.error([...at, key], `final state \`${name}\` cannot have transitions`, {
        at: 'key',
      });
    }
    const entries: [Segment[], unknown][] =
      key === 'always'
        ? [[[...at, key], value]]
        : isObject(value)
          ? Object.entries(value).map(([k, v]) => [[...at, key, k], v])
          : [];
    for (const [path, transitions] of entries) {
      const trigger = path[path.length - 1];
      if (key === 'after' && typeof trigger === 'string' && !isDelay(trigger)) {
        findings.error(
          path,
          `\`${trigger}\` is not a delay: use an ISO 8601 duration (PT30S, P7D) or milliseconds`,
          { at: 'key' },
        );
      } else if (
        key === 'after' &&
        typeof trigger === 'string' &&
        parseDuration(trigger) > MAX_AFTER_MS
      ) {
        findings.error(path, `\`${trigger}\` is longer than the longest delay, 100 years`, {
          at: 'key',
        });
      }
      const list = candidates(transitions);
      list.forEach((t, i) => {
        const where = Array.isArray(transitions) ? [...path, i] : path;
        const target = targetOf(t);
        if (target !== undefined) {
          const resolved = resolveTarget(tree, state.path, target);
          if (resolved === undefined) {
            findings.error(
              typeof t === 'string' ? where : [...where, 'target'],
              `unknown state \`${target}\`${hint(tree, target)}`,
            );
          } else targets.push(resolved);
        }
        if (!isObject(t)) return;
        if (typeof t['guard'] === 'string')
          push({ path: [...where, 'guard'], text: t['guard'], mode: 'expression', scope: NONE });
        if (isObject(t['assign'])) {
          forEachDynamicString(t['assign'], [], [], (s) =>
            push({
              path: [...where, 'assign', ...s.rel],
              text: s.text,
              mode: 'template',
              scope: NONE,
            }),
          );
        }
      });
    }
  }
  return targets;
}

const NONE = { kind: 'none' } as const;

/** A state of that name out of reach of the lookup is named by its path; else a near name. */
function hint(tree: ReadonlyMap<string, TreeState>, target: string): string {
  const paths = [...tree.values()].filter((s) => s.name === target).map((s) => s.path);
  if (paths.length > 0) return ` (did you mean \`${paths.join('` or `')}\`?)`;
  return suggest(
    target,
    [...tree.values()].map((s) => s.name),
  );
}

/** Entry and exit actions: known node types with valid parameters, run in order. */
function checkActions(
  state: TreeState,
  registry: NodeRegistry,
  patterns: PatternCache,
  findings: Findings,
  push: (site: Site) => void,
): void {
  for (const key of ['entry', 'exit'] as const) {
    const actions = state.def[key];
    if (!Array.isArray(actions)) continue;
    actions.forEach((action: unknown, i) => {
      if (!isObject(action)) return;
      const path = [...state.at, key, i];
      for (const graphOnly of ['needs', 'nodes', 'edges', 'join'] as const) {
        if (action[graphOnly] !== undefined) {
          findings.error(
            [...path, graphOnly],
            `state actions run in order and have no \`${graphOnly}\``,
            { at: 'key' },
          );
        }
      }
      if (action['on_error'] === 'branch') {
        findings.error(
          [...path, 'on_error'],
          'state actions have no ports to branch to: use fail, continue or { return: <value> }',
        );
      }
      const type = typeof action['type'] === 'string' ? action['type'] : undefined;
      const nodeType = type === undefined ? undefined : registry.get(type);
      if (type !== undefined && nodeType === undefined) {
        findings.error(
          [...path, 'type'],
          `unknown node type \`${type}\`${suggest(
            type,
            registry.list().map((t) => t.type),
          )}`,
        );
      }
      const params = isObject(action['with']) ? action['with'] : undefined;
      if (nodeType !== undefined)
        checkParams(nodeType, params, [...path, 'with'], patterns.of(type), findings);
      nodeSites(path, params, action['when'], type, patterns, () => NONE, push);
    });
  }
}

/**
 * Every state can be entered from the initial state, and some final state can be: entering a
 * state enters its ancestors and its initial children, and a compound state's transitions apply
 * to every state inside it.
 */
function checkReachable(
  tree: ReadonlyMap<string, TreeState>,
  start: string,
  edges: ReadonlyMap<string, string[]>,
  findings: Findings,
): void {
  const reached = new Set<string>();
  const stack: string[] = [];
  const enter = (target: string): void => {
    for (const s of [...ancestry(target), ...ancestry(leafOf(tree, target))]) {
      if (reached.has(s)) continue;
      reached.add(s);
      stack.push(s);
    }
  };
  enter(start);
  for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
    for (const t of edges.get(s) ?? []) enter(t);
  }
  for (const state of tree.values()) {
    if (!reached.has(state.path)) {
      findings.error(
        state.at,
        `state \`${state.path}\` is unreachable: no transition from the initial state leads to it`,
        { at: 'key' },
      );
    }
  }
  const finals = [...tree.values()].filter((s) => s.def['type'] === 'final');
  if (!finals.some((s) => reached.has(s.path))) {
    findings.error(
      ['states'],
      finals.length === 0
        ? 'no final state: a run of this machine could never finish (add a state with `type: final`)'
        : 'no final state can be reached from the initial state',
      { at: 'key' },
    );
  }
}
