/**
 * @module runtime/machine/view
 * What a state-machine run shows from outside: the state it is in, its context and the events it
 * accepts now, read from its stored run row and its plan.
 */
import type { Plan, PlanNode } from '../../compile/plan.js';
import { ancestry } from '../../dsl/machine-tree.js';
import type { NodeRecord } from '../../ports/store.js';
import type { FrameState, MachineState } from '../state.js';

/** The event types the leaf state and the states containing it have transitions for, sorted. */
export function acceptedEventsOf(plan: Plan, leaf: string): string[] {
  const types = new Set<string>();
  for (const s of ancestry(leaf)) {
    for (const type of plan.machine?.states.get(s)?.on.keys() ?? []) types.add(type);
  }
  return [...types].sort();
}

/**
 * The plan node of a state machine's action at `path` (`entry[2].approve`), found through its
 * frame's row (`entry[2]`), which names the state and which of its actions it runs.
 */
export function machineActionAt(
  plan: Plan,
  rows: readonly NodeRecord[],
  path: string,
): PlanNode | undefined {
  const dot = path.lastIndexOf('.');
  const frame = rows.find((r) => r.path === path.slice(0, Math.max(dot, 0)));
  const action = (frame?.state as Partial<FrameState> | undefined)?.action;
  if (frame === undefined || action === undefined) return undefined;
  const node = plan.machine?.states.get(frame.nodeId)?.[action.kind][action.index]?.nodes[0];
  return node?.id === path.slice(dot + 1) ? node : undefined;
}

/**
 * The machine has nothing to do but wait for an event: no action running or left to run, no event
 * or timer queued. (A machine whose action waits, on a `wait` timer say, is not idle.)
 */
export function machineIdle(m: MachineState): boolean {
  return m.busy === undefined && m.steps.length === 0 && m.queue.length === 0;
}

/** The machine of a stored run row's state, if the run is a state machine's that has started. */
export function storedMachine(rowState: unknown): MachineState | undefined {
  const m = (rowState as { machine?: MachineState } | null | undefined)?.machine;
  return m === undefined || m.state === '' ? undefined : m;
}
