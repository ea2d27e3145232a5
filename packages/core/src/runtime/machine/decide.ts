/**
 * @module runtime/machine/decide
 * The decision function of state-machine runs (SPEC section 5), pure as the graph's: one input,
 * the events, commands and changed paths it makes. The machine's own state is in the run row
 * (`MachineState`); its entry and exit actions are node executions in frames of their own
 * (`entry[3]`, node path `entry[3].notify`), run by the graph's walk, so that retry, timeout,
 * idempotency (`<run id>:entry[3].notify`, the same across retries and re-runs after a crash) and
 * durability are the graph's.
 *
 * One thing happens at a time: events and fired `after` timers wait in the machine's queue while a
 * transition's actions run, and are applied in arrival order once it has settled (final state
 * reached, or no `always` transition left to take).
 */
import type { Plan } from '../../compile/plan.js';
import { ancestry } from '../../dsl/machine-tree.js';
import type { ErrorInfo } from '../../errors.js';
import { isTerminal } from '../../ports/store.js';
import { abandon as abandonGraph, applyInput, decisionOf } from '../decide.js';
import { Decider } from '../decider.js';
import { armRunTimeout } from '../lifecycle.js';
import type { Decision, RunInput } from '../protocol.js';
import { refusal } from '../refusal.js';
import { scopeEntry } from '../scope.js';
import {
  hasOutput,
  type FrameState,
  type MachineEvent,
  type MachineState,
  type RunState,
} from '../state.js';
import { failRun, startFrame } from '../walk.js';
import { acceptedEventsOf, machineIdle } from './view.js';
import {
  arm,
  enterInitial,
  eventView,
  ExpressionFailure,
  machineOf,
  planState,
  select,
  take,
} from './transitions.js';

/** Eventless transitions in a row past which the machine is taken to loop: the run fails. */
export const MAX_ALWAYS = 100;

/** Events (and fired timers) a run keeps waiting their turn: more are refused until it takes some. */
export const MAX_QUEUED = 1000;

export function decideMachine(plan: Plan, state: RunState, input: RunInput): Decision {
  const d = new Decider(plan, state, input.at);
  // A copy to change (see MachineState): the stored row keeps the machine it was written with.
  if (state.meta.machine !== undefined) state.meta.machine = copy(state.meta.machine);
  d.onActionDone = (fs) => actionDone(d, fs);
  apply(d, input);
  d.drain();
  advance(d);
  d.drain();
  settle(d);
  return decisionOf(d);
}

export function abandonMachine(
  plan: Plan,
  state: RunState,
  error: ErrorInfo,
  at: number,
): Decision {
  const decision = abandonGraph(plan, state, error, at);
  const m = state.meta.machine;
  if (m !== undefined && m.timers.length > 0) {
    for (const t of m.timers) decision.commands.push({ type: 'cancel-timer', id: t.id });
    state.meta.machine = { ...m, timers: [] };
  }
  return decision;
}

const copy = (m: MachineState): MachineState => ({
  ...m,
  queue: [...m.queue],
  steps: [...m.steps],
  timers: [...m.timers],
});

function apply(d: Decider, input: RunInput): void {
  switch (input.type) {
    case 'start':
      return start(d);
    case 'event':
      return send(d, input.event);
    case 'timer.fired':
      if (input.timer.kind === 'after') return afterFired(d, input.timer.id);
      return applyInput(d, input);
    case 'retry':
      return retry(d, input.from);
    default:
      return applyInput(d, input);
  }
}

function start(d: Decider): void {
  const machine = d.plan.machine;
  if (d.meta.status !== 'queued' || machine === undefined) {
    throw refusal('invalid_state', `run is ${d.meta.status}; it has already started`);
  }
  d.meta.status = 'running';
  d.meta.startedAt = d.iso;
  const m: MachineState = {
    state: '',
    context: structuredClone(machine.context),
    queue: [],
    steps: [],
    settling: false,
    event: null,
    transitions: 0,
    actions: 0,
    timers: [],
    always: 0,
  };
  d.meta.machine = m;
  d.emit('run.started', undefined, { workflow: d.meta.workflowId, version: d.meta.version });
  armRunTimeout(d);
  enterInitial(d, m, machine.initial);
}

/**
 * An event from outside. Refused when the state the machine is in (or one containing it) has no
 * transition for its type; otherwise queued, and applied in its turn.
 */
function send(d: Decider, event: MachineEvent): void {
  if (isTerminal(d.meta.status) || d.meta.status === 'queued') {
    throw refusal('invalid_state', `run is ${d.meta.status}; it takes no events`, {
      state: d.meta.machine?.state ?? null,
      accepts: [],
    });
  }
  const m = machineOf(d);
  const accepts = acceptedEventsOf(d.plan, m.state);
  if (!accepts.includes(event.type)) {
    const list = accepts.length === 0 ? 'none' : accepts.join(', ');
    throw refusal(
      'invalid_state',
      `state ${m.state} has no transition for event ${event.type}; it accepts: ${list}`,
      { state: m.state, accepts },
    );
  }
  if (m.queue.length >= MAX_QUEUED) {
    throw refusal(
      'invalid_state',
      `run ${d.meta.runId} has ${MAX_QUEUED} events waiting their turn: send again once it has taken some`,
      { state: m.state, accepts },
    );
  }
  m.queue.push({ event });
}

function afterFired(d: Decider, id: string): void {
  d.commands.push({ type: 'cancel-timer', id });
  if (isTerminal(d.meta.status)) return;
  const m = machineOf(d);
  // A timer whose state was left was dropped from the list with it: it does nothing.
  if (m.timers.some((t) => t.id === id)) m.queue.push({ timer: id });
}

function actionDone(d: Decider, fs: FrameState): void {
  const m = machineOf(d);
  if (m.busy === fs.path) delete m.busy;
  const action = d.graphOf(fs.path).nodes[0];
  const ns = action === undefined ? undefined : d.state.nodes.get(`${fs.path}.${action.id}`);
  if (ns?.kind === 'node' && hasOutput(ns) && fs.action !== undefined) {
    const list = `${fs.action.kind}:${fs.nodeId}`;
    const before = m.outputs?.list === list ? m.outputs.values : {};
    m.outputs = { list, values: { ...before, [ns.nodeId]: scopeEntry(ns) } };
  }
  d.defer(() => advance(d));
}

/**
 * A failed or cancelled run goes on from where it stopped: in the state it was in, with its context
 * and its queued events; the action that failed (or was cancelled) runs again, under its path and
 * key, its attempts counting on; the `after` timers of the states it is in are armed anew, from now.
 */
function retry(d: Decider, from: string | undefined): void {
  const s = d.meta.status;
  if (from !== undefined) {
    throw refusal(
      'invalid_state',
      'retry --from names a node of a graph: a state-machine run is retried from where it stopped',
    );
  }
  if (s !== 'failed' && s !== 'cancelled') {
    throw refusal('invalid_state', `run is ${s}; only a failed or cancelled run can be retried`);
  }
  const m = machineOf(d);
  const meta = d.meta;
  meta.attempt++;
  meta.status = 'running';
  meta.paused = false;
  meta.executing = meta.parked = meta.backoff = 0;
  meta.childRuns = 0;
  meta.queue = [];
  delete meta.tokens;
  delete meta.error;
  delete meta.output;
  delete meta.finishedAt;
  m.always = 0;
  d.emit('run.retried', undefined, { attempt: meta.attempt });
  armRunTimeout(d);
  // New ids: the timers of the run that ended were dropped with it.
  m.transitions++;
  for (const state of ancestry(m.state)) arm(d, m, state);
  if (m.busy !== undefined) again(d, m.busy);
}

/** The action frame at `path` runs its action again: the frame and its node as before it ran. */
function again(d: Decider, path: string): void {
  const fs = d.frameState(path);
  fs.status = 'running';
  fs.open = d.graphOf(path).nodes.length;
  delete fs.error;
  for (const [p, s] of d.state.nodes) {
    if (s.kind !== 'node' || s.frame !== path) continue;
    // Attempts keep counting: the action runs again under the same idempotency key.
    d.state.nodes.set(p, {
      kind: 'node',
      path: p,
      nodeId: s.nodeId,
      frame: s.frame,
      index: s.index,
      status: 'pending',
      attempts: s.attempts,
      failures: 0,
      resolvedIn: 0,
      takenIn: 0,
    });
    d.touch(p);
  }
  d.touch(path);
  startFrame(d, path);
}

/** Moves the machine on as far as it can go without waiting for an action or an event. */
function advance(d: Decider): void {
  try {
    for (;;) {
      const m = d.meta.machine;
      if (m === undefined || isTerminal(d.meta.status) || d.meta.paused || m.busy !== undefined)
        return;
      const step = m.steps.shift();
      if (step !== undefined) {
        runAction(d, m, step);
        continue;
      }
      if (m.settling) {
        m.settling = false;
        delete m.exitContext;
        delete m.outputs;
        if (planState(d, m.state).final) return finish(d, m);
        const always = select(d, (s) => s.always, m.event);
        if (always !== undefined) {
          if (++m.always > MAX_ALWAYS) return loopFailure(d, m);
          take(d, m, always, m.event, true);
        }
        continue;
      }
      const item = m.queue.shift();
      if (item === undefined) return;
      m.always = 0;
      if ('event' in item) {
        const chosen = select(d, (s) => s.on.get(item.event.type), item.event);
        if (chosen !== undefined) take(d, m, chosen, item.event);
        continue;
      }
      const timer = m.timers.find((t) => t.id === item.timer);
      if (timer === undefined) continue;
      m.timers = m.timers.filter((t) => t !== timer);
      const after = planState(d, timer.state).after.find((a) => a.key === timer.key);
      const chosen = select(d, (s) => (s.path === timer.state ? after?.transitions : []), null);
      if (chosen !== undefined) take(d, m, chosen, null);
    }
  } catch (e) {
    if (!(e instanceof ExpressionFailure)) throw e;
    failRun(d, e.info);
  }
}

/** Starts one action: a frame of its own, whose one node the walk runs. */
function runAction(d: Decider, m: MachineState, step: MachineState['steps'][number]): void {
  const graph = planState(d, step.state)[step.kind][step.index];
  if (graph === undefined) return;
  const path = `${step.kind}[${m.actions++}]`;
  const context = step.kind === 'exit' ? (m.exitContext ?? m.context) : m.context;
  // The actions before it in its list, by id (a list begins with nothing before it).
  const list = `${step.kind}:${step.state}`;
  const earlier = step.index > 0 && m.outputs?.list === list ? m.outputs.values : {};
  const fs: FrameState = {
    kind: 'frame',
    path,
    owner: '',
    nodeId: step.state,
    status: 'running',
    open: graph.nodes.length,
    vars: {
      ...earlier,
      context,
      event: eventView(m.event),
      state: step.state,
    },
    action: { kind: step.kind, index: step.index },
  };
  d.state.nodes.set(path, fs);
  d.state.graphs.set(path, graph);
  d.touch(path);
  m.busy = path;
  startFrame(d, path);
}

function finish(d: Decider, m: MachineState): void {
  for (const t of m.timers) d.commands.push({ type: 'cancel-timer', id: t.id });
  m.timers = [];
  const output = { state: m.state, context: m.context };
  d.meta.status = 'succeeded';
  d.meta.paused = false;
  d.meta.output = output;
  d.meta.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.succeeded', undefined, { output });
  d.commands.push({ type: 'finished', status: 'succeeded' });
}

function loopFailure(d: Decider, m: MachineState): void {
  failRun(d, {
    code: 'always_loop',
    message: `state ${m.state}: more than ${MAX_ALWAYS} eventless (always) transitions in a row`,
  });
}

/** Ends the decision: timers of a finished run dropped, the status the machine's. */
function settle(d: Decider): void {
  const m = d.meta.machine;
  if (m === undefined) return;
  if (isTerminal(d.meta.status) && m.timers.length > 0) {
    for (const t of m.timers) d.commands.push({ type: 'cancel-timer', id: t.id });
    m.timers = [];
  }
  d.settleStatus(machineIdle(m));
}
