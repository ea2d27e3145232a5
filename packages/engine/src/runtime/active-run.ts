/**
 * @module runtime/active-run
 * A run the Runner holds in memory while it has work in flight, and the inputs it feeds to the
 * decision core: shared by the Runner and node execution without either importing the other.
 */
import type { ConcurrencyKey, Plan, RunIdentity, RunInput, RunRecord, RunState } from '@weft/core';

/** Input without its time: the runner stamps it. */
export type RunnerInput = RunInput extends infer I
  ? I extends RunInput
    ? Omit<I, 'at'>
    : never
  : never;

export interface ActiveRun {
  identity: RunIdentity;
  plan: Plan;
  state: RunState;
  /** Node executions in flight, by path. */
  controllers: Map<string, { abort(reason: unknown): void }>;
  /** Whether the run's row (and so its input) has been committed. */
  stored: boolean;
  /**
   * On a store shared by many workers: the token of this worker's hold on the run, which every
   * commit of it carries (see `RunWrite.claim`).
   */
  claim?: number;
  /** Its key under the workflow's `concurrency:`, if it has one. */
  concurrency?: ConcurrencyKey;
  /** Its `singleton:` key value, written with its first commit (a start's only). */
  singletonKey?: string;
  /** Keeps this worker's hold on the run through commits that would let go of it. */
  holdClaim?: boolean;
  /** The run row as last committed or loaded: commits write only what differs from it. */
  committed?: RunRecord;
  /**
   * Just read from the store, and not yet carried on: nodes it records as running have no
   * execution in this process (it died with the process or worker that ran them, or was dropped).
   * The first input to reach it recovers them first (see `Runner.#process`).
   */
  fresh?: boolean;
  /**
   * Set when a commit of this run failed, or a decision threw and dropped decisions not committed
   * yet: the object is dropped and the run reloaded.
   */
  failure?: unknown;
}
