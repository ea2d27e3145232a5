/**
 * @module dsl/test-support
 * A small node registry for the DSL's tests, independent of the built-in node types. Not used by
 * the library itself.
 */
import { z } from 'zod';
import { NodeRegistry } from '../nodes/registry.js';
import type { NodeType } from '../nodes/types.js';
import { foreachNode, loopNode } from '../runtime/controls/index.js';

const casesPorts = (params: Record<string, unknown>): string[] => {
  const cases = params['cases'];
  if (!Array.isArray(cases)) return ['default'];
  const ports = cases
    .map((c: unknown) =>
      typeof c === 'object' && c !== null ? (c as Record<string, unknown>)['port'] : undefined,
    )
    .filter((p): p is string => typeof p === 'string');
  return [...ports, 'default'];
};

/**
 * Node types shaped like the built-ins: parameters, expression paths and ports. `foreach` and `loop`
 * keep the built-in control behaviour with the tests' own parameters.
 */
export const testNodeTypes: NodeType[] = [
  { type: 'noop', description: 'Does nothing.', params: z.object({}).strict() },
  {
    type: 'set',
    description: 'Outputs `values`.',
    params: z.object({ values: z.record(z.string(), z.unknown()) }).strict(),
  },
  {
    type: 'transform',
    description: 'Outputs an expression.',
    params: z.object({ expression: z.string() }).strict(),
    expressions: ['expression'],
  },
  {
    type: 'if',
    description: 'Routes on a condition.',
    params: z.object({ condition: z.string() }).strict(),
    expressions: ['condition'],
    ports: ['true', 'false'],
  },
  {
    type: 'switch',
    description: 'Routes on the first matching case.',
    params: z
      .object({
        cases: z.array(z.object({ port: z.string().min(1), when: z.string() }).strict()).min(1),
      })
      .strict(),
    expressions: ['cases.*.when'],
    ports: casesPorts,
  },
  {
    ...foreachNode,
    description: 'Runs its body per item.',
    params: z
      .object({
        items: z.string(),
        concurrency: z.number().int().min(1).optional(),
        workflow: z.string().optional(),
      })
      .strict(),
    expressions: ['items'],
  },
  {
    ...loopNode,
    description: 'Runs its body while a condition holds.',
    params: z
      .object({ while: z.string(), max_iterations: z.number().int().min(1).max(10_000) })
      .strict(),
    expressions: ['while'],
  },
  {
    type: 'http',
    description: 'Sends an HTTP request.',
    params: z
      .object({
        url: z.string().url(),
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional(),
        timeout: z.number().int().positive().optional(),
      })
      .strict(),
  },
  {
    type: 'wait',
    description: 'Waits.',
    params: z
      .object({
        duration: z.union([
          z.number().int().positive(),
          z.object({ minutes: z.number().positive() }).strict(),
          z.object({ until: z.string().datetime() }).strict(),
        ]),
      })
      .strict(),
  },
  {
    type: 'code',
    description: 'Runs JavaScript.',
    params: z.object({ source: z.string().min(1), input: z.unknown().optional() }).strict(),
    raw: ['source'],
  },
  {
    type: 'llm',
    description: 'Asks a model.',
    params: z.object({ prompt: z.string(), credential: z.string().optional() }).strict(),
    flags: { spendsTokens: true },
  },
];

/** A fresh registry of {@link testNodeTypes}. */
export function testRegistry(): NodeRegistry {
  return new NodeRegistry(testNodeTypes);
}
