/**
 * @module sw/catch
 * `sw.catch`: takes its `caught` port when a failure of its `try` matches the catch, and fails
 * with it again when not.
 */
import { defineNode, evaluateJq, route } from '@weft/core/plugin';
import { z } from 'zod';
import { bareExpression, holds } from './data.js';
import { asSwError, swError } from './errors.js';

/** Standard error types are told apart by their last segment: specs and kits spell the base apart. */
const STANDARD_TYPE = /^https:\/\/serverlessworkflow\.io\/.*\/([a-z-]+)$/;

function typeMatches(wanted: unknown, actual: string): boolean {
  if (wanted === actual) return true;
  if (typeof wanted !== 'string') return false;
  const a = STANDARD_TYPE.exec(wanted);
  const b = STANDARD_TYPE.exec(actual);
  return a !== null && b !== null && a[1] === b[1];
}

export const catchNode = defineNode({
  type: 'sw.catch',
  description:
    'A Serverless Workflow `catch`: takes `caught` with `{ data, error }` when the failure matches `errors` (and `when`, not `exceptWhen`), else fails with it again.',
  params: z.strictObject({
    input: z.unknown().optional(),
    vars: z.record(z.string(), z.unknown()).default({}),
    error: z.unknown(),
    errors: z.record(z.string(), z.unknown()).default({}),
    when: z.string().optional(),
    exceptWhen: z.string().optional(),
    as: z.string().default('error'),
  }),
  raw: ['errors', 'when', 'exceptWhen'],
  ports: ['caught'],
  run: (_ctx, p) => {
    const error = asSwError(p.error, undefined);
    const matches = Object.entries(p.errors).every(([k, v]) =>
      k === 'type'
        ? typeMatches(v, error.type)
        : k === 'status'
          ? Number(v) === Number(error.status)
          : v === (error as unknown as Record<string, unknown>)[k],
    );
    const vars = { ...p.vars, [p.as]: error, input: p.input ?? null };
    const data = p.input ?? null;
    const when = p.when === undefined || holds(evaluateJq(bareExpression(p.when), error, vars));
    const except =
      p.exceptWhen !== undefined && holds(evaluateJq(bareExpression(p.exceptWhen), error, vars));
    if (!matches || !when || except) throw swError(error);
    return route('caught', { data, error });
  },
});
