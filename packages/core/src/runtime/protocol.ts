/**
 * @module runtime/protocol
 * What goes into the decision function (inputs) and what comes out (events, commands).
 * Every input carries its time, so that the core never reads a clock.
 */
import type { ErrorInfo } from '../errors.js';
import type { RunEvent } from '../events.js';
import type { NodeBudget, NodeRate } from '../compile/plan.js';
import type { TimerRecord, RunStatus } from '../ports/store.js';

interface At {
  /** Epoch milliseconds, read by the shell. */
  at: number;
}

export type RunInput = At &
  (
    | { type: 'start' }
    | { type: 'node.result'; path: string; attempt: number; output: unknown; port?: string }
    | {
        type: 'node.error';
        path: string;
        attempt: number;
        error: ErrorInfo & { retryable?: boolean };
      }
    /** The shell could not take an input for this node (its decision threw): fail it for good. */
    | { type: 'node.rejected'; path: string; error: ErrorInfo }
    | {
        type: 'node.emit';
        path: string;
        attempt: number;
        kind: 'progress' | 'message';
        data: unknown;
      }
    /** A sub-step of the attempt finished (`ctx.step`): recorded, and replayed if it runs again. */
    | {
        type: 'node.step';
        path: string;
        attempt: number;
        index: number;
        name: string;
        value: unknown;
      }
    /** The attempt spent model tokens: counted for the run's and the node's `limits.tokens`. */
    | { type: 'node.tokens'; path: string; attempt: number; tokens: number }
    /**
     * The attempt asks for an answer (`ctx.ask`) and its execution has ended: the node waits; the
     * answer is recorded as its step `index` and the node runs again.
     */
    | {
        type: 'node.ask';
        path: string;
        attempt: number;
        index: number;
        name: string;
        prompt: unknown;
        schema?: Record<string, unknown>;
      }
    /**
     * The shell stopped the attempt's execution for a shutdown, or never began it (draining): it
     * runs again after the next start, and is not one the process died under.
     */
    | { type: 'node.interrupted'; path: string; attempt: number }
    | { type: 'timer.fired'; timer: TimerRecord }
    | { type: 'human.input'; node: string; value: unknown }
    /** An event sent to a state-machine run: queued, and applied in its turn. */
    | { type: 'event'; event: { type: string; data?: unknown } }
    | {
        type: 'child.finished';
        path: string;
        childRunId: string;
        status: RunStatus;
        output?: unknown;
        error?: ErrorInfo;
      }
    | { type: 'pause' }
    | { type: 'resume' }
    | { type: 'cancel'; reason?: string }
    | { type: 'retry'; from?: string }
    /**
     * Loaded after a stop: re-issue the work that was in flight. `crashLimit`: a node whose
     * executions went unreported that many times fails with `process_crashed` instead.
     */
    | { type: 'recover'; crashLimit?: number }
  );

export type Command =
  | {
      type: 'execute';
      path: string;
      nodeId: string;
      nodeType: string;
      attempt: number;
      params: unknown;
      idempotencyKey: string;
      timeoutMs: number | undefined;
      /** Sub-steps recorded by earlier executions of the node, to replay: absent when none. */
      steps?: number;
      /** Model tokens left under the run's and the node's `limits.tokens`: absent when unbounded. */
      tokens?: number;
      /** The node's `rate`: a token is taken from its bucket before the execution begins. */
      rate?: NodeRate;
      /** The node's `budget`: each model call is judged by its bucket's spend in the store. */
      budget?: NodeBudget;
    }
  | { type: 'abort'; path: string; reason: 'cancelled' | 'run_failed' }
  | { type: 'timer'; timer: TimerRecord }
  | { type: 'cancel-timer'; id: string }
  | {
      type: 'start-child';
      path: string;
      childRunId: string;
      workflow: string;
      version: number | undefined;
      input: unknown;
      /** How many child runs the run has asked for, this one included: the shell bounds it. */
      childNumber: number;
    }
  | { type: 'cancel-child'; childRunId: string }
  | { type: 'finished'; status: RunStatus };

export interface Decision {
  events: RunEvent[];
  commands: Command[];
  /** Paths whose state changed and must be written. */
  dirty: Set<string>;
  /** Paths whose rows must be deleted. */
  removed: Set<string>;
}
