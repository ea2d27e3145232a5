/**
 * @module sw/data
 * Serverless Workflow data: runtime expressions (`${ jq }`) inside values, and a task's data flow
 * (`input.from` before it runs, `output.as` after, with `$input` bound to its transformed input).
 * Every SW node type goes through {@link runTask}, so the filters mean the same everywhere.
 */
import { validateAgainst } from '@weft/core';
import { bareExpression, evaluateJq, runtimeExpression } from '@weft/core/plugin';
import { z } from 'zod';
import { ERROR_TYPES_BASE, swError } from './errors.js';

export { bareExpression, runtimeExpression };

/** jq's truthiness: everything but false and null. */
export const holds = (v: unknown): boolean => v !== false && v !== null && v !== undefined;

/** Evaluates every `${ }` string of `value` (at any depth) on `input`; other values as they are. */
export function evaluateValue(
  value: unknown,
  input: unknown,
  vars: Readonly<Record<string, unknown>>,
): unknown {
  if (typeof value === 'string') {
    const expr = runtimeExpression(value);
    return expr === undefined ? value : evaluateJq(expr, input, vars);
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, input, vars));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluateValue(v, input, vars);
    return out;
  }
  return value;
}

/** A filter (`input.from`, `output.as`): an expression string, or an object of `${ }` values. */
export function applyFilter(
  filter: unknown,
  data: unknown,
  vars: Readonly<Record<string, unknown>>,
): unknown {
  if (filter === undefined) return data;
  if (typeof filter === 'string') return evaluateJq(bareExpression(filter), data, vars);
  return evaluateValue(filter, data, vars);
}

/** The parameters every SW node takes besides its own: its data and its filters. */
export const taskParams = {
  /** The task's raw input: the output of the task before it. */
  input: z.unknown().optional(),
  /** Variables for expressions (`$workflow`, `$context`, a `for`'s item and index, ...). */
  vars: z.record(z.string(), z.unknown()).default({}),
  /** `input.from`. */
  from: z.unknown().optional(),
  /** `output.as`. */
  as: z.unknown().optional(),
  /** `input.schema.document`: the raw input must match it. */
  input_schema: z.record(z.string(), z.unknown()).optional(),
  /** `output.schema.document`: the filtered output must match it. */
  output_schema: z.record(z.string(), z.unknown()).optional(),
};

/** Parameter paths of {@link taskParams} kept verbatim (their `${ }` are jq, not templates). */
export const RAW_TASK_PATHS = ['from', 'as', 'input_schema', 'output_schema'] as const;

export interface TaskData {
  input?: unknown;
  vars: Record<string, unknown>;
  from?: unknown;
  as?: unknown;
  input_schema?: Record<string, unknown> | undefined;
  output_schema?: Record<string, unknown> | undefined;
}

/** A value checked against a task's schema: a mismatch is an SW `validation` error (400). */
function checkSchema(
  schema: Record<string, unknown> | undefined,
  value: unknown,
  what: string,
): void {
  if (schema === undefined) return;
  try {
    validateAgainst(schema, value, { code: 'invalid_input', root: '$', what });
  } catch (e) {
    throw swError({
      type: `${ERROR_TYPES_BASE}validation`,
      status: 400,
      title: 'Validation Error',
      detail: e instanceof Error ? e.message : String(e),
    });
  }
}

/** Runs `work` on the task's transformed input and filters its output. */
export async function runTask(
  p: TaskData,
  work: (input: unknown, vars: Record<string, unknown>) => unknown,
): Promise<unknown> {
  const raw = p.input ?? null;
  checkSchema(p.input_schema, raw, 'the task input');
  const vars = { ...p.vars, input: raw };
  const input = applyFilter(p.from, raw, vars);
  const taskVars = { ...vars, input };
  const output = await work(input, taskVars);
  const filtered = applyFilter(p.as, output, taskVars);
  checkSchema(p.output_schema, filtered, 'the task output');
  return filtered;
}
