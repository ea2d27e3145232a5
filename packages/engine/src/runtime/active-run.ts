/**
 * @module runtime/active-run
 * A run the Runner holds in memory while it has work in flight, and the inputs it feeds to the
 * decision core: shared by the Runner and node execution without either importing the other.
 */
import type { Plan, RunIdentity, RunInput, RunState } from '@weft/core';

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
   * Set when a commit of this run failed, or a decision threw and dropped decisions not committed
   * yet: the object is dropped and the run reloaded.
   */
  failure?: unknown;
}
