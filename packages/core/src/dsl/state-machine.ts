/**
 * @module dsl/state-machine
 * What `kind` decides: a graph workflow has nodes and no states; a state-machine workflow
 * (SPEC section 5) has states and no nodes. For state machines: the initial state and every
 * transition target exist, final states have no transitions, `after` delays parse, entry/exit
 * actions are known node types with valid parameters, and guards and templates parse.
 * Name resolution in state machines (`event`, `context`) belongs to their runtime and is not
 * checked here.
 */
import type { NodeRegistry } from '../nodes/registry.js';
import type { Findings } from './findings.js';
import { checkParams } from './params.js';
import { forEachDynamicString } from './expressions.js';
import { nodeSites, type PatternCache, type Site } from './sites.js';
import { suggest } from './zod-issues.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ISO_DURATION =
  /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

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
  const names = Object.keys(states);
  if (names.length === 0) findings.error(['states'], 'a state machine needs at least one state');
  const initial = root['initial'];
  if (typeof initial === 'string' && !(initial in states)) {
    findings.error(['initial'], `unknown state \`${initial}\`${suggest(initial, names)}`);
  }
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const final = state['type'] === 'final';
    for (const key of ['on', 'after'] as const) {
      const transitions = state[key];
      if (!isObject(transitions)) continue;
      if (final) {
        findings.error(['states', name, key], `final state \`${name}\` cannot have transitions`, {
          at: 'key',
        });
      }
      for (const [trigger, t] of Object.entries(transitions)) {
        const path = ['states', name, key, trigger];
        if (key === 'after' && !isDelay(trigger)) {
          findings.error(
            path,
            `\`${trigger}\` is not a delay: use an ISO 8601 duration (PT30S, P7D) or milliseconds`,
            { at: 'key' },
          );
        }
        const target = typeof t === 'string' ? t : isObject(t) ? t['target'] : undefined;
        const targetPath = typeof t === 'string' ? path : [...path, 'target'];
        if (typeof target === 'string' && !(target in states)) {
          findings.error(targetPath, `unknown state \`${target}\`${suggest(target, names)}`);
        }
        if (!isObject(t)) continue;
        if (typeof t['guard'] === 'string')
          push({
            path: [...path, 'guard'],
            text: t['guard'],
            mode: 'expression',
            scope: { kind: 'none' },
          });
        if (isObject(t['assign'])) {
          forEachDynamicString(t['assign'], [], [], (s) =>
            push({
              path: [...path, 'assign', ...s.rel],
              text: s.text,
              mode: 'template',
              scope: { kind: 'none' },
            }),
          );
        }
      }
    }
    for (const key of ['entry', 'exit'] as const) {
      const actions = state[key];
      if (!Array.isArray(actions)) continue;
      actions.forEach((action: unknown, i) => {
        if (!isObject(action)) return;
        const path = ['states', name, key, i];
        for (const graphOnly of ['needs', 'nodes', 'edges'] as const) {
          if (action[graphOnly] !== undefined) {
            findings.error(
              [...path, graphOnly],
              `state actions run in order and have no \`${graphOnly}\``,
              { at: 'key' },
            );
          }
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
        nodeSites(path, params, action['when'], type, patterns, () => ({ kind: 'none' }), push);
      });
    }
  }
}
