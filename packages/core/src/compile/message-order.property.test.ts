import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { NodeRegistry } from '../nodes/registry.js';
import type { WorkflowDefinition } from '../dsl/types.js';
import { compile } from './compile.js';

const registry = new NodeRegistry([
  { type: 'noop', description: 'Does nothing.', params: z.object({}).strict() },
  {
    type: 'say',
    description: 'Holds its message back until those before it are done.',
    params: z.object({}).strict(),
    flags: { ordersMessages: true },
  },
]);

/** Kahn's algorithm with the lowest index first among the ready nodes, sorted the plain way. */
function reference(count: number, edges: [number, number][]): number[] {
  const indegree = Array.from({ length: count }, () => 0);
  for (const [, to] of edges) indegree[to]!++;
  const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const [from, to] of edges) {
      if (from === i && --indegree[to]! === 0) ready.push(to);
    }
  }
  return order;
}

/** A DAG: edges only from a lower to a higher position of a shuffled order. */
const dag = fc
  .integer({ min: 1, max: 40 })
  .chain((count) =>
    fc.record({
      says: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
      rank: fc.shuffledSubarray(
        Array.from({ length: count }, (_, i) => i),
        { minLength: count, maxLength: count },
      ),
      pairs: fc.uniqueArray(fc.tuple(fc.nat(count - 1), fc.nat(count - 1)), {
        maxLength: count * 2,
        selector: ([a, b]) => `${a}-${b}`,
      }),
    }),
  )
  .map(({ says, rank, pairs }) => ({
    says,
    edges: pairs.filter(([a, b]) => rank[a]! < rank[b]!),
  }));

describe('message order', () => {
  it('is the lowest-index-first topological order of the message nodes', () => {
    fc.assert(
      fc.property(dag, ({ says, edges }) => {
        const definition: WorkflowDefinition = {
          id: 'order',
          nodes: says.map((say, i) => ({ id: `n${i}`, type: say ? 'say' : 'noop' })),
          edges: edges.map(([from, to]) => ({ from: `n${from}`, to: `n${to}` })),
        };
        const expected = reference(says.length, edges).filter((i) => says[i]);
        expect(compile(definition, registry).root.messageOrder).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
