import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { validateDefinition } from './index.js';
import { testRegistry } from './test-support.js';

const registry = testRegistry();

/** A random DAG: node i may depend only on nodes before it. Edges as [from, to] index pairs. */
const dag = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc
    .array(
      fc
        .integer({ min: 1, max: n - 1 > 0 ? n - 1 : 1 })
        .chain((to) => fc.tuple(fc.integer({ min: 0, max: to - 1 }), fc.constant(to))),
      { maxLength: n * 3 },
    )
    .map((edges) => ({ n, edges: n === 1 ? [] : edges.filter(([f, t]) => f < t && t < n) })),
);

const id = (i: number): string => `n${i}`;

/** Builds a definition where every node reads all its direct predecessors in a template. */
function definition(n: number, edges: readonly (readonly [number, number])[], asNeeds: boolean) {
  const preds = Array.from({ length: n }, () => new Set<number>());
  for (const [f, t] of edges) preds[t]?.add(f);
  const nodes = Array.from({ length: n }, (_, i) => {
    const reads = [...(preds[i] ?? [])].map((p) => `{{ ${id(p)} }}`).join(' ');
    const node: Record<string, unknown> = {
      id: id(i),
      type: 'set',
      with: { values: { v: reads === '' ? 'entry' : reads } },
    };
    if (asNeeds && (preds[i]?.size ?? 0) > 0) node['needs'] = [...(preds[i] ?? [])].map(id);
    return node;
  });
  return {
    id: 'prop',
    nodes,
    edges: asNeeds ? [] : edges.map(([f, t]) => ({ from: id(f), to: id(t) })),
  };
}

/** Whether `to` reaches `from` in the DAG (so that an edge from -> to closes a cycle). */
function reaches(
  n: number,
  edges: readonly (readonly [number, number])[],
  start: number,
  goal: number,
): boolean {
  const succ = Array.from({ length: n }, () => [] as number[]);
  for (const [f, t] of edges) succ[f]?.push(t);
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    const v = stack.pop() as number;
    if (v === goal) return true;
    for (const w of succ[v] ?? []) {
      if (seen.has(w)) continue;
      seen.add(w);
      stack.push(w);
    }
  }
  return false;
}

describe('graph properties', () => {
  test('random DAGs whose nodes read their predecessors validate, as edges or as needs', () => {
    fc.assert(
      fc.property(dag, fc.boolean(), ({ n, edges }, asNeeds) => {
        const r = validateDefinition(definition(n, edges, asNeeds), { registry });
        expect(r.diagnostics).toEqual([]);
        expect(r.ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('an edge that closes a cycle is always reported as a cycle, naming a real cycle', () => {
    const withBackEdge = dag
      .filter(({ edges }) => edges.length > 0)
      .chain(({ n, edges }) =>
        fc.constantFrom(...edges).chain(([f, t]) =>
          // Any node downstream of `t`... back to any node upstream of it closes a cycle.
          fc.tuple(
            fc.constant({ n, edges }),
            fc.integer({ min: t, max: n - 1 }),
            fc.integer({ min: 0, max: f }),
          ),
        ),
      )
      .filter(([{ n, edges }, from, to]) => from !== to && reaches(n, edges, to, from));

    fc.assert(
      fc.property(withBackEdge, ([{ n, edges }, from, to]) => {
        const all: [number, number][] = [
          ...edges.map(([a, b]) => [a, b] as [number, number]),
          [from, to],
        ];
        const def = definition(n, edges, false);
        def.edges = all.map(([a, b]) => ({ from: id(a), to: id(b) }));
        const r = validateDefinition(def, { registry });
        expect(r.ok).toBe(false);
        const cycles = r.diagnostics.filter((d) => d.message.startsWith('cycle: '));
        expect(cycles.length).toBeGreaterThan(0);
        const edgeSet = new Set(all.map(([a, b]) => `${id(a)}>${id(b)}`));
        for (const c of cycles) {
          const names = c.message.slice('cycle: '.length).split(' -> ');
          expect(names[0]).toBe(names[names.length - 1]);
          for (let i = 0; i + 1 < names.length; i++)
            expect(edgeSet.has(`${names[i]}>${names[i + 1]}`)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a reference to a node that is not an ancestor is always reported', () => {
    const withBadRef = dag
      .filter(({ n }) => n >= 2)
      .chain(({ n, edges }) =>
        fc.tuple(
          fc.constant({ n, edges }),
          fc.integer({ min: 0, max: n - 1 }),
          fc.integer({ min: 0, max: n - 1 }),
        ),
      )
      .filter(
        ([{ n, edges }, reader, target]) => reader !== target && !reaches(n, edges, target, reader),
      );

    fc.assert(
      fc.property(withBadRef, ([{ n, edges }, reader, target]) => {
        const def = definition(n, edges, false);
        const node = def.nodes[reader] as { with: { values: Record<string, string> } };
        node.with.values['bad'] = `{{ ${id(target)}.x }}`;
        const r = validateDefinition(def, { registry });
        expect(r.diagnostics).toEqual([
          {
            path: `nodes[${reader}].with.values.bad`,
            message: `references node \`${id(target)}\`, which is not upstream of \`${id(reader)}\``,
          },
        ]);
      }),
      { numRuns: 200 },
    );
  });
});
