/**
 * @module javascript/failure
 * Names a failed job: the interrupt handler's deadline is a timeout, QuickJS's `out of memory` a
 * memory limit, anything else the user's error with its line and column in the source.
 */
import type { RuntimeJob, RuntimeResult } from '../runtime.js';
import { USER_FILE, WRAPPER_LINES } from './prelude.js';

/** What was thrown, as the prelude's `describe` tells it. */
export interface Thrown {
  name: string;
  message: string;
  stack: string;
}

const FRAME = new RegExp(`${USER_FILE.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`);
const MEMORY = new Set(['out of memory', 'string too long']);

/** The first position in the user's code that the stack names, in the source's own lines. */
export function positionIn(
  stack: string,
  source: string,
): { line?: number; column?: number } | undefined {
  const m = FRAME.exec(stack);
  if (m === null) return undefined;
  const line = Number(m[1]) - WRAPPER_LINES;
  if (line < 1 || line > source.split('\n').length) return undefined;
  return m[2] === undefined ? { line } : { line, column: Number(m[2]) };
}

export function memoryExceeded(job: RuntimeJob, detail = 'out of memory'): RuntimeResult {
  return {
    ok: false,
    code: 'code_memory',
    message: `the code went past its memory limit of ${formatBytes(job.memoryBytes)} (${detail})`,
  };
}

export function describeFailure(
  thrown: Thrown | undefined,
  { interrupted, job }: { interrupted: boolean; job: RuntimeJob },
): RuntimeResult {
  if (interrupted) {
    return {
      ok: false,
      code: 'code_timeout',
      message: `the code ran past its time limit of ${job.timeoutMs} ms`,
    };
  }
  if (thrown === undefined) {
    return {
      ok: false,
      code: 'code_error',
      message: 'the code failed with a value that cannot be read',
    };
  }
  if (thrown.name === 'InternalError' && MEMORY.has(thrown.message)) {
    return memoryExceeded(job, thrown.message);
  }
  const at = positionIn(thrown.stack, job.source);
  const where =
    at?.line === undefined
      ? ''
      : ` (line ${at.line}${at.column === undefined ? '' : `, column ${at.column}`})`;
  const what = thrown.name === '' ? `threw ${thrown.message}` : `${thrown.name}: ${thrown.message}`;
  const message =
    thrown.name === 'InternalError' && thrown.message === 'stack overflow'
      ? `stack overflow: the code recursed too deeply${where}`
      : `${what}${where}`;
  return { ok: false, code: 'code_error', message, ...at };
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
