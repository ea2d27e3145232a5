/**
 * @module protocol
 * The messages between the pool and a child process, over the child's IPC channel (JSON). One job
 * at a time: the pool sends `run`, the child answers with `log` lines and then one `result`.
 */
import type { RuntimeResult } from './runtime.js';

export interface RunMessage {
  type: 'run';
  id: number;
  language: string;
  source: string;
  inputJson: string;
  timeoutMs: number;
  memoryBytes: number;
  maxOutputBytes: number;
}

/** Why a job failed outside the interpreter. */
export type SandboxFailureCode = 'code_crashed' | 'code_aborted';

/** A job's end: the runtime's answer, or the child's death, or the caller's abort. */
export type SandboxResult =
  | RuntimeResult
  | {
      ok: false;
      code: SandboxFailureCode;
      message: string;
      line?: undefined;
      column?: undefined;
      /** The child died before the job reached it: the job never ran and may go to another. */
      unstarted?: true;
    };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started'; id: number }
  /** The job's runtime is loaded and the user's code starts now: its time limit counts from here. */
  | { type: 'running'; id: number }
  | { type: 'log'; id: number; line: string }
  | { type: 'result'; id: number; result: SandboxResult };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return (
    type === 'ready' ||
    type === 'started' ||
    type === 'running' ||
    type === 'log' ||
    type === 'result'
  );
}

export function isRunMessage(value: unknown): value is RunMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m['type'] === 'run' &&
    typeof m['id'] === 'number' &&
    typeof m['language'] === 'string' &&
    typeof m['source'] === 'string' &&
    typeof m['inputJson'] === 'string' &&
    typeof m['timeoutMs'] === 'number' &&
    typeof m['memoryBytes'] === 'number' &&
    typeof m['maxOutputBytes'] === 'number'
  );
}
