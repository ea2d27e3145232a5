/**
 * @module engine/data-limits
 * What data from outside may be: run inputs (a run's or a child run's) and human answers are
 * checked here before they reach a run, so that one oversized or hostile value cannot stall it.
 */
import {
  checkPlainData,
  formatPath,
  validateAgainst,
  WeftError,
  type DslLimits,
  type ErrorCode,
  type Plan,
} from '@weft/core';

/** Run inputs and answers: at most 4 MiB of JSON (SPEC section 10). */
export const MAX_DATA_BYTES = 4 * 1024 * 1024;

/**
 * Refuses data that is not plain JSON, nests deeper than the limit or exceeds 4 MiB — checked
 * without recursion, so that hostile input cannot overflow the stack.
 */
export function checkData(
  value: unknown,
  limits: DslLimits,
  o: { code: ErrorCode; root: string; what: string },
): void {
  const check = checkPlainData(value, limits, 10 * MAX_DATA_BYTES);
  if (check.problem !== undefined) {
    const { path, message } = check.problem;
    const where =
      path.length === 0
        ? o.root
        : `${o.root}${typeof path[0] === 'number' ? '' : '.'}${formatPath(path)}`;
    throw new WeftError(o.code, `${o.what} is invalid: ${where}: ${message}`);
  }
  if (check.size > MAX_DATA_BYTES) {
    throw new WeftError(
      o.code,
      `${o.what} is too large: about ${check.size} bytes of JSON (limit ${MAX_DATA_BYTES} bytes)`,
    );
  }
}

/**
 * A run's input, checked against the limits and the workflow's `inputs` schema. Returns a copy as
 * the store keeps it (JSON: `undefined` entries dropped, or null in arrays), so that the caller
 * cannot change the run's input after the start, and the run sees the same input after a reload.
 */
export function checkInput(plan: Plan, input: unknown, limits: DslLimits): unknown {
  checkData(input ?? {}, limits, { code: 'invalid_input', root: 'input', what: 'input' });
  const value: unknown = JSON.parse(JSON.stringify(input ?? {}));
  const schema = plan.workflow.inputs;
  if (schema !== undefined) {
    validateAgainst(schema, value, { code: 'invalid_input', root: 'input', what: 'input' });
  }
  return value;
}
