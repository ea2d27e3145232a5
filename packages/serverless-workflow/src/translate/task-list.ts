/**
 * @module translate/task-list
 * A list of tasks and its flow directives: each task's exits go where its `then` (or a switch
 * case's) says: on to the next task (`continue`), out of the list (`exit`), to the workflow's end
 * (`end`; inside a `for`, the iteration's end) or to a task by name. A `then` that leads back
 * would make a cycle, which Weft graphs cannot have: refused, naming it.
 */
import type { Compilation } from './compilation.js';
import { sitesOf } from './naming.js';
import {
  isObj,
  type Compiled,
  type Exit,
  type Out,
  type Path,
  type Scope,
  type Site,
} from './types.js';

export function compileList(
  cx: Compilation,
  value: unknown,
  path: Path,
  pointer: string,
  incoming: Exit[],
  scope: Scope,
): Compiled {
  const outs: Out[] = [];
  const ends: Exit[] = [];
  if (!Array.isArray(value)) return { outs, ends };
  const tasks = sitesOf(value, path, pointer);
  const index = new Map(tasks.map((t, i) => [t.name, i]));
  const order = flowOrder(cx, tasks, index);
  const pending = new Map<number, Exit[]>([[0, incoming]]);
  const route = (out: Out, from: number, thenPath: Path): void => {
    const d = out.directive;
    if (d === 'exit' || (d === 'continue' && from === tasks.length - 1))
      outs.push({ directive: 'continue', exit: out.exit });
    else if (d === 'end') {
      if (scope.inLoop) outs.push({ directive: 'continue', exit: out.exit });
      else ends.push(out.exit);
    } else {
      const to = d === 'continue' ? from + 1 : index.get(d);
      if (to === undefined) {
        cx.error(
          thenPath,
          `\`then: ${d}\` names no task of this list (tasks: ${tasks.map((t) => t.name).join(', ')})`,
        );
        return;
      }
      pending.set(to, [...(pending.get(to) ?? []), out.exit]);
    }
  };
  for (const i of order) {
    const t = tasks[i]!;
    const into = pending.get(i) ?? [];
    if (into.length === 0) continue; // never reached: it never runs
    const result = cx.task(t, into, scope);
    for (const out of result.outs) route(out, i, [...t.path, 'then']);
    ends.push(...result.ends);
  }
  return { outs, ends };
}

/**
 * The order to compile tasks in: each after every task that may lead to it. A `then` that
 * leads back (a loop through `then`) is refused: Weft graphs are acyclic, loops are `for`.
 */
function flowOrder(cx: Compilation, tasks: Site[], index: Map<string, number>): number[] {
  const next = tasks.map((t, i) => {
    const targets: { to: number; path: Path }[] = [];
    const add = (d: unknown, path: Path): void => {
      const name = typeof d === 'string' ? d : 'continue';
      if (name === 'continue') {
        if (i + 1 < tasks.length) targets.push({ to: i + 1, path });
      } else if (name !== 'exit' && name !== 'end') {
        const to = index.get(name);
        if (to !== undefined) targets.push({ to, path });
      }
    };
    const sw = t.task['switch'];
    if (Array.isArray(sw)) {
      sw.forEach((c, ci) => {
        const body = isObj(c) ? Object.values(c)[0] : undefined;
        const name = isObj(c) ? Object.keys(c)[0] : undefined;
        add(isObj(body) ? body['then'] : undefined, [...t.path, 'switch', ci, name ?? '', 'then']);
      });
    }
    if (t.task['raise'] === undefined) add(t.task['then'], [...t.path, 'then']);
    return targets;
  });
  const order: number[] = [];
  const state = new Map<number, 'open' | 'done'>();
  const visit = (i: number, via: Path | undefined): void => {
    const s = state.get(i);
    if (s === 'done') return;
    if (s === 'open') {
      cx.error(
        via ?? tasks[i]!.path,
        `\`then\` leads back to \`${tasks[i]!.name}\`, which makes a loop: Weft graphs are acyclic, so loops are written with \`for\``,
      );
      return;
    }
    state.set(i, 'open');
    for (const t of next[i]!) visit(t.to, t.path);
    state.set(i, 'done');
    order.push(i);
  };
  if (tasks.length > 0) visit(0, undefined);
  return order.reverse();
}
