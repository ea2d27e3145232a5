/**
 * @module runtime/rejection
 * When a decision throws partway (a bug, or a value no entry check caught), the Runner fails the
 * node the input was about instead of dropping the input and leaving the run `running` for ever.
 * Here: which node that is, and the error it fails with.
 */
import { WeftError } from '@weft/core';
import type { RunnerInput } from './active-run.js';

/** The path of the node an input is about, if it is about one. */
export function subjectOf(input: RunnerInput): string | undefined {
  switch (input.type) {
    case 'node.result':
    case 'node.error':
    case 'node.emit':
    case 'node.step':
    case 'node.ask':
    case 'node.tokens':
    case 'node.rejected':
    case 'child.finished':
      return input.path;
    case 'human.input':
      return input.node;
    case 'timer.fired':
      return input.timer.path;
    default:
      return undefined;
  }
}

const WHAT: Partial<Record<RunnerInput['type'], string>> = {
  'node.result': 'the result',
  'node.error': 'the failure',
  'node.emit': 'a message or progress',
  'node.step': 'a sub-step',
  'node.ask': 'the question',
  'node.tokens': 'the tokens spent',
  'child.finished': 'the end of the child run',
  'human.input': 'the answer',
  'timer.fired': 'a timer',
};

/** The error a node (or, with no node, the run) fails with when a decision on `input` threw. */
export function rejectionOf(input: RunnerInput, cause: unknown): WeftError {
  const path = subjectOf(input);
  const what =
    path === undefined
      ? `the run could not take its "${input.type}" input`
      : `the engine could not take ${WHAT[input.type] ?? `the "${input.type}" input`} of node ${path}`;
  return new WeftError('internal', `${what}: ${messageOf(cause)}`, { cause });
}

/** The error a run ends with when even failing its node threw. */
export function abandonmentOf(first: WeftError, cause: unknown): WeftError {
  return new WeftError(
    'internal',
    `${first.message}; failing the node failed too (${messageOf(cause)}), so the run ends`,
    { cause },
  );
}

/** A thrown value's message, whatever was thrown (a value whose `toString` throws included). */
function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  try {
    return String(cause);
  } catch {
    return 'a value that is not an error was thrown';
  }
}
