/**
 * @module nodes/services
 * Host services a node type reaches through `ctx.services`, by these names: what a node may ask of
 * the engine without knowing its insides. A host that lacks one leaves it out; a node that needs
 * it fails with a clear error.
 */
import type { NodeType } from './types.js';

/** `ctx.services.nodeTypes`: the registered node types (an agent runs inline tool specs). */
export interface NodeTypeLookup {
  get(type: string): NodeType | undefined;
}

export interface WorkflowSummaryForCall {
  id: string;
  version: number;
  name?: string;
  description?: string;
  /** The workflow's `inputs`: JSON Schema of its input. */
  inputs?: Record<string, unknown>;
}

/** `ctx.services.workflows`: stored workflows called from inside a node (an agent's tools). */
export interface WorkflowCalls {
  /** The workflow as a caller in run `runId`'s tenant sees it. */
  describe(runId: string, workflow: string, version?: number): Promise<WorkflowSummaryForCall>;
  /**
   * Starts the workflow in run `runId`'s tenant under the idempotency key `key` (so that a call
   * made again after a crash finds the run it started) and waits for it to finish: its output, or
   * its failure thrown as a WeftError. `signal` stops the waiting, not the run.
   */
  call(
    runId: string,
    request: {
      workflow: string;
      version?: number;
      input: unknown;
      key: string;
      signal: AbortSignal;
    },
  ): Promise<unknown>;
}
