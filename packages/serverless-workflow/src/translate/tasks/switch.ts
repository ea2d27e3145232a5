/**
 * @module translate/tasks/switch
 * `switch` (a `jq` node routing to a port per case, `default` when none holds) and a task's `if`
 * (a `jq` node before it, with a `run` port when it holds; otherwise the flow goes on past it).
 */
import type { Compilation, Family } from '../compilation.js';
import { exported } from '../filters.js';
import { isObj, type Exit, type Out, type Scope, type Site } from '../types.js';

/** Ports the `jq` node has of its own, which a case may not take. */
const TAKEN_PORTS = new Set(['default', 'out', 'error']);

export const switchTask: Family = (cx, site, into, scope, frame) => {
  const cases: { port: string; when?: unknown }[] = [];
  const targets: { port: string; then: string }[] = [];
  const ports = new Set<string>();
  (site.task['switch'] as unknown[]).forEach((c, i) => {
    if (!isObj(c)) return;
    const [caseName, body] = Object.entries(c)[0] ?? ['', {}];
    const b = isObj(body) ? body : {};
    let port = caseName.replace(/[^A-Za-z0-9_-]/g, '_') || `case${i}`;
    if (TAKEN_PORTS.has(port) || ports.has(port)) port = `case_${i}`;
    ports.add(port);
    if (b['when'] !== undefined)
      cx.checkExpression([...site.path, 'switch', i, caseName, 'when'], b['when'], true);
    cases.push(b['when'] === undefined ? { port } : { port, when: b['when'] });
    targets.push({ port, then: typeof b['then'] === 'string' ? b['then'] : 'continue' });
  });
  const node = cx.add(scope, cx.node(site, 'jq', '', { ...frame.filters, cases }), into);
  const outs: Out[] = targets.map((t) => ({
    directive: t.then,
    exit: { ...cx.flow.exitOf(node.id, into), port: t.port },
  }));
  outs.push({ directive: frame.then, exit: { ...cx.flow.exitOf(node.id, into), port: 'default' } });
  return exported(cx, site, outs, scope, frame.skipped);
};

/** A task's `if`: the way into the task when it holds, and the way past it when not. */
export function ifGuard(
  cx: Compilation,
  site: Site,
  incoming: Exit[],
  scope: Scope,
): { into: Exit[]; skipped: Out[] } {
  const condition = site.task['if'];
  cx.checkExpression([...site.path, 'if'], condition, true);
  const guard = cx.add(
    scope,
    cx.node(site, 'jq', '_if', { cases: [{ port: 'run', when: condition }] }),
    incoming,
  );
  return {
    into: [{ ...cx.flow.exitOf(guard.id, incoming), port: 'run' }],
    skipped: [
      { directive: 'continue', exit: { ...cx.flow.exitOf(guard.id, incoming), port: 'default' } },
    ],
  };
}
