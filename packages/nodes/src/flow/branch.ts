/**
 * @module flow/branch
 * Branching node types: `if` takes its `true` or `false` port, `switch` the port of its first
 * matching case or `default`.
 */
import { defineNode, route } from '@weft/core/plugin';
import { z } from 'zod';

const truthy = (v: unknown): boolean =>
  Array.isArray(v)
    ? v.some(truthy)
    : typeof v === 'object' && v !== null
      ? Object.keys(v).length > 0
      : Boolean(v);

export const ifNode = defineNode({
  type: 'if',
  description: 'Evaluates `condition`; takes the `true` or `false` port. Output: the boolean.',
  params: z.object({ condition: z.unknown() }).strict(),
  expressions: ['condition'],
  ports: ['true', 'false'],
  run: (_ctx, p) => {
    const value = truthy(p.condition);
    return route(value ? 'true' : 'false', value);
  },
});

const casePort = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);

export const switchNode = defineNode({
  type: 'switch',
  description:
    'Takes the port of the first case whose `when` holds, else `default`. Output: the port name.',
  params: z
    .object({
      cases: z
        .array(z.object({ port: casePort, when: z.unknown() }).strict())
        .min(1)
        .refine(
          (cs) => new Set(cs.map((c) => c.port)).size === cs.length,
          'case ports must be unique',
        )
        .refine(
          (cs) => cs.every((c) => c.port !== 'default' && c.port !== 'out' && c.port !== 'error'),
          {
            message: 'case ports cannot be named default, out or error',
          },
        ),
    })
    .strict(),
  expressions: ['cases.*.when'],
  ports: (params) => {
    const cases = Array.isArray(params['cases']) ? (params['cases'] as unknown[]) : [];
    const ports = cases.flatMap((c) =>
      typeof c === 'object' && c !== null && typeof (c as { port?: unknown }).port === 'string'
        ? [(c as { port: string }).port]
        : [],
    );
    return [...ports, 'default'];
  },
  run: (_ctx, p) => {
    const hit = p.cases.find((c) => truthy(c.when));
    const port = hit?.port ?? 'default';
    return route(port, port);
  },
});
