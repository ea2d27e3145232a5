/**
 * @module importers/route
 * A choice made by a model or a person (an intent, a class, an answer option) becomes a `switch`
 * on the value chosen, one port per choice: other formats branch on such nodes directly.
 */
import { literal } from './expr.js';
import type { IdAllocator } from './ids.js';
import { slug } from './ids.js';
import type { WeftNode } from './graph.js';

export interface Choice {
  /** The handle edges of the source format leave from. */
  handle: string;
  /** The value that picks it. */
  value: string;
  /** The choice taken when no other is. */
  isDefault?: boolean;
}

/** The switch node on `value` and the port of each choice's handle. */
export function routeOn(
  ids: IdAllocator,
  base: { id: string; title: string },
  value: string,
  choices: readonly Choice[],
): { route: WeftNode; ports: Map<string, string> } {
  const ports = new Map<string, string>();
  const cases: { port: string; when: string }[] = [];
  for (const c of choices) {
    if (c.isDefault === true) {
      ports.set(c.handle, 'default');
      continue;
    }
    let port = slug(c.value) || `case_${cases.length + 1}`;
    if (!/^[a-z]/.test(port)) port = `case_${port}`;
    if (['default', 'out', 'error'].includes(port) || cases.some((x) => x.port === port))
      port = `${port}_${cases.length + 1}`;
    ports.set(c.handle, port);
    cases.push({ port, when: `${value} = ${literal(c.value)}` });
  }
  const route: WeftNode = {
    id: ids.take(`${base.id}_route`, 'route'),
    type: 'switch',
    name: `${base.title} (route)`,
    with: { cases },
  };
  return { route, ports };
}
