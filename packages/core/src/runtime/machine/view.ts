/**
 * @module runtime/machine/view
 * What a state-machine run shows from outside: the state it is in, its context and the events it
 * accepts now, read from its stored run row and its plan.
 */
import type { Plan } from '../../compile/plan.js';
import { ancestry } from '../../dsl/machine-tree.js';
import type { MachineState } from '../state.js';

/** The event types the leaf state and the states containing it have transitions for, sorted. */
export function acceptedEventsOf(plan: Plan, leaf: string): string[] {
  const types = new Set<string>();
  for (const s of ancestry(leaf)) {
    for (const type of plan.machine?.states.get(s)?.on.keys() ?? []) types.add(type);
  }
  return [...types].sort();
}

/** The machine of a stored run row's state, if the run is a state machine's that has started. */
export function storedMachine(rowState: unknown): MachineState | undefined {
  const m = (rowState as { machine?: MachineState } | null | undefined)?.machine;
  return m === undefined || m.state === '' ? undefined : m;
}
