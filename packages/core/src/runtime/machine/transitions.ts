/**
 * @module runtime/machine/transitions
 * How a state machine moves: which events its states accept, which transition an event (or a
 * fired timer, or nothing: `always`) selects, and what taking one does — the states it exits and
 * enters, their timers cancelled and armed, their actions queued as steps, the context assigned.
 *
 * Transitions are external: a transition from state S to state T exits every state from the leaf
 * up to (not including) the nearest state that contains both S and T, and enters from there down
 * to T and on through initial children to a leaf; a transition to S itself leaves and enters S.
 * The machine is in its new leaf as soon as the transition is taken; the actions run after.
 */
import type { PlanState, PlanTransition } from '../../compile/plan.js';
import { ancestry } from '../../dsl/machine-tree.js';
import { WeftError, type ErrorInfo } from '../../errors.js';
import { toPlainJson, toScopeValue } from '../../expr/index.js';
import type { Decider } from '../decider.js';
import { toBoolean } from '../outputs.js';
import type { MachineEvent, MachineState, MachineStep } from '../state.js';

/**
 * A guard or `assign` template that could not be evaluated, thrown before the machine changed:
 * the run fails with it (an event's data is the run's input, and may not fit its expressions).
 */
export class ExpressionFailure extends Error {
  readonly info: ErrorInfo;
  constructor(error: ErrorInfo, where: string) {
    super(`${where}: ${error.message}`);
    this.info = { code: error.code, message: this.message };
  }
}

export function machineOf(d: Decider): MachineState {
  const m = d.meta.machine;
  if (m === undefined) throw new WeftError('internal', `run ${d.meta.runId} has no machine`);
  return m;
}

export function planState(d: Decider, path: string): PlanState {
  const s = d.plan.machine?.states.get(path);
  if (s === undefined) throw new WeftError('internal', `no state "${path}" in the machine`);
  return s;
}

/** The scope guards and `assign` templates read: the run's, and `context`, `event`, `state`. */
export function machineScope(
  d: Decider,
  context: Record<string, unknown>,
  event: MachineEvent | null,
  state: string,
): Record<string, unknown> {
  const scope = Object.create(d.scopeOf('')) as Record<string, unknown>;
  scope['context'] = toScopeValue(context);
  scope['event'] = toScopeValue(eventView(event));
  scope['state'] = state;
  return scope;
}

/**
 * What expressions see as `event`: its `type` and `data`, and the fields of an object `data` at
 * the top as well, so that `event.amount` reads as `event.data.amount` (SPEC section 5 writes both).
 */
export function eventView(event: MachineEvent | null): Record<string, unknown> | null {
  if (event === null) return null;
  const data = event.data ?? null;
  const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {};
  return { ...fields, type: event.type, data };
}

export interface Selected {
  /** The state whose transition it is: the leaf or one of its ancestors. */
  source: string;
  transition: PlanTransition;
}

/**
 * The first candidate whose guard holds, looking from the leaf outward (an event a state does
 * not take bubbles to the state that contains it). A guard that cannot be evaluated throws.
 */
export function select(
  d: Decider,
  pick: (s: PlanState) => readonly PlanTransition[] | undefined,
  event: MachineEvent | null,
): Selected | undefined {
  const m = machineOf(d);
  const scope = machineScope(d, m.context, event, m.state);
  for (const source of ancestry(m.state).reverse()) {
    for (const transition of pick(planState(d, source)) ?? []) {
      if (transition.guard === undefined) return { source, transition };
      const guard = transition.guard;
      const r = d.evaluate(() => guard.evaluate(scope, { now: d.at }));
      if (!r.ok) throw new ExpressionFailure(r.error, `guard of ${source}`);
      if (toBoolean(r.value)) return { source, transition };
    }
  }
  return undefined;
}

/** The leaf entered by entering `path`: on down through initial children. */
function leafOf(d: Decider, path: string): string {
  let leaf = path;
  for (let s = planState(d, leaf); s.initial !== undefined; s = planState(d, leaf))
    leaf = s.initial;
  return leaf;
}

/**
 * Takes a transition: exits, assigns, enters. `m` is the machine of this decision (a copy, see
 * MachineState); the assigned values are rendered before anything changes, so that a template
 * that throws leaves the machine as it was.
 */
export function take(
  d: Decider,
  m: MachineState,
  chosen: Selected,
  event: MachineEvent | null,
  eventless = false,
): void {
  const { source, transition } = chosen;
  const from = m.state;
  const assigned = assignOf(d, m, transition, event);
  const sourceChain = ancestry(source);
  const targetLeaf = leafOf(d, transition.target);
  const targetChain = ancestry(transition.target);
  let shared = 0;
  const bound = Math.min(sourceChain.length, targetChain.length) - 1;
  while (shared < bound && sourceChain[shared] === targetChain[shared]) shared++;
  const exiting = ancestry(from).slice(shared).reverse();
  const entering = ancestry(targetLeaf).slice(shared);
  const steps: MachineStep[] = [];
  for (const state of exiting) {
    m.timers = m.timers.filter((t) => {
      if (t.state !== state) return true;
      d.commands.push({ type: 'cancel-timer', id: t.id });
      return false;
    });
    planState(d, state).exit.forEach((_, index) => steps.push({ state, kind: 'exit', index }));
  }
  m.transitions++;
  m.exitContext = m.context;
  if (assigned !== undefined) m.context = { ...m.context, ...assigned };
  for (const state of entering) {
    planState(d, state).entry.forEach((_, index) => steps.push({ state, kind: 'entry', index }));
    arm(d, m, state);
  }
  m.state = targetLeaf;
  m.event = event;
  m.steps = steps;
  m.settling = true;
  const data: { from: string; to: string; event?: string; assigned?: Record<string, unknown> } = {
    from,
    to: targetLeaf,
  };
  // An `always` transition sees the event that led to it, but is not taken on it.
  if (event !== null && !eventless) data.event = event.type;
  if (assigned !== undefined) data.assigned = assigned;
  d.emit('state.transition', undefined, data);
}

/** Enters the initial state of a new run: no exit, no assign, no transition event. */
export function enterInitial(d: Decider, m: MachineState, initial: string): void {
  const leaf = leafOf(d, initial);
  for (const state of ancestry(leaf)) {
    planState(d, state).entry.forEach((_, index) => m.steps.push({ state, kind: 'entry', index }));
    arm(d, m, state);
  }
  m.state = leaf;
  m.settling = true;
}

/** Arms a state's `after` timers, numbered by the transition that entered it. */
export function arm(d: Decider, m: MachineState, state: string): void {
  for (const after of planState(d, state).after) {
    const id = `${d.meta.runId}:#after${m.transitions}:${state}:${after.key}`;
    m.timers.push({ id, state, key: after.key });
    d.commands.push({
      type: 'timer',
      timer: { id, runId: d.meta.runId, dueAt: d.at + after.ms, kind: 'after', path: state },
    });
  }
}

function assignOf(
  d: Decider,
  m: MachineState,
  transition: PlanTransition,
  event: MachineEvent | null,
): Record<string, unknown> | undefined {
  const assign = transition.assign;
  if (assign === undefined) return undefined;
  const scope = machineScope(d, m.context, event, m.state);
  const r = d.evaluate(() => toPlainJson(assign.evaluate(scope, { now: d.at })));
  if (!r.ok) throw new ExpressionFailure(r.error, `assign of ${m.state} -> ${transition.target}`);
  return r.value as Record<string, unknown>;
}
