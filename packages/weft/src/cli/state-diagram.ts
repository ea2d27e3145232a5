/**
 * @module cli/state-diagram
 * A state-machine workflow as a Mermaid `stateDiagram-v2`, for `weft graph`: its states (compound
 * ones as blocks with their initial child), its transitions labelled with their event (and guard),
 * `after` delay or `always`, and the way out from its final states.
 */
import {
  candidates,
  isRecord,
  resolveTarget,
  stateTree,
  targetOf,
  type TreeState,
  type WorkflowDefinition,
} from '@weft/core';

/** A Mermaid id for a state path: word characters only, a path's dots as `__`. */
const idOf = (path: string) => path.replaceAll('.', '__').replace(/\W/g, '_');

/** Label text Mermaid takes after a transition's colon: on one line, without its separators. */
const text = (s: string) => s.replace(/[\n\r;#:]+/g, ' ').trim();

export function stateDiagram(definition: WorkflowDefinition): string[] {
  const tree = stateTree(definition.states);
  const lines = ['stateDiagram-v2'];
  const initial = resolveTarget(tree, undefined, definition.initial ?? '');
  if (initial !== undefined) lines.push(`  [*] --> ${idOf(initial)}`);
  const level = (paths: string[], indent: string): void => {
    for (const path of paths) {
      const s = tree.get(path);
      if (s === undefined) continue;
      if (s.name !== idOf(path)) lines.push(`${indent}state "${text(s.name)}" as ${idOf(path)}`);
      if (s.children.length > 0) {
        lines.push(`${indent}state ${idOf(path)} {`);
        const initial = s.def['initial'];
        const first =
          typeof initial === 'string' ? resolveTarget(tree, s.children[0], initial) : undefined;
        if (first !== undefined) lines.push(`${indent}  [*] --> ${idOf(first)}`);
        level(s.children, `${indent}  `);
        lines.push(`${indent}}`);
      }
      if (s.def['type'] === 'final') lines.push(`${indent}${idOf(path)} --> [*]`);
      lines.push(...transitions(tree, s).map((t) => `${indent}${t}`));
    }
  };
  level(
    [...tree.values()].filter((s) => s.parent === undefined).map((s) => s.path),
    '  ',
  );
  return lines;
}

function transitions(tree: ReadonlyMap<string, TreeState>, s: TreeState): string[] {
  const out: string[] = [];
  const add = (value: unknown, label: string) => {
    for (const t of candidates(value)) {
      const name = targetOf(t);
      const target = name === undefined ? undefined : resolveTarget(tree, s.path, name);
      if (target === undefined) continue;
      const guard = isRecord(t) && typeof t['guard'] === 'string' ? ` [${t['guard']}]` : '';
      out.push(`${idOf(s.path)} --> ${idOf(target)}: ${text(label + guard)}`);
    }
  };
  for (const [event, value] of Object.entries(recordOf(s.def['on']))) add(value, event);
  for (const [delay, value] of Object.entries(recordOf(s.def['after'])))
    add(value, `after ${delay}`);
  add(s.def['always'], 'always');
  return out;
}

const recordOf = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
