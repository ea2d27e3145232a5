/**
 * @module runtime/decide
 * The heart of the engine.
 *
 * Given a run's plan, its state and one input, `decide` returns the events to record, the commands
 * to carry out and the paths whose state changed. It performs no I/O, reads no clock (time comes
 * with the input) and calls no node. It updates `state` in place — the caller owns it and writes
 * the changed paths — so that a step costs what it changes, not the size of the run. The same state
 * and input always give the same decision. Illegal moves throw a refusal (`refusal.ts`) before
 * anything changes; anything else that throws may have left `state` half-changed, and the shell
 * then loads the run again and fails the node the input was about (`node.rejected`), or, should
 * that throw too, ends the run with {@link abandon}.
 */
import type { Plan } from '../compile/plan.js';
import type { ErrorInfo } from '../errors.js';
import { CONTROLS } from './controls/index.js';
import { Decider } from './decider.js';
import {
  abandonRun,
  cancelRun,
  pauseRun,
  recoverRun,
  resumeRun,
  retryRun,
  startRun,
} from './lifecycle.js';
import { message, progress } from './messages.js';
import type { Decision, RunInput } from './protocol.js';
import { isTerminal } from '../ports/store.js';
import { refusal } from './refusal.js';
import type { NodeState, RunState } from './state.js';
import type { NodeEventData } from '../events.js';
import { cancelWork, completeNode, failNode, failRun, onReady, park, pump, WALK } from './walk.js';

export function decide(plan: Plan, state: RunState, input: RunInput): Decision {
  const d = new Decider(plan, state, input.at);
  applyInput(d, input);
  d.drain();
  d.settleStatus();
  return decisionOf(d);
}

/**
 * Ends the run `failed` with `error` without reading its plan, so that nothing in it can throw
 * again: the last resort when failing a node did not work (see the module comment).
 */
export function abandon(plan: Plan, state: RunState, error: ErrorInfo, at: number): Decision {
  const d = new Decider(plan, state, at);
  abandonRun(d, error);
  return decisionOf(d);
}

export const decisionOf = (d: Decider): Decision => ({
  events: d.events,
  commands: d.commands,
  dirty: d.dirty,
  removed: d.removed,
});

/** The node an attempt's result is for, if it is still that attempt. Late results are dropped. */
function currentAttempt(d: Decider, path: string, attempt: number): NodeState | undefined {
  const ns = d.state.nodes.get(path);
  return ns?.kind === 'node' && ns.status === 'running' && ns.attempts === attempt ? ns : undefined;
}

/** The attempt's execution has reported: it is no longer one the process may have died under. */
function reported(ns: NodeState): NodeState {
  if (ns.unreported !== undefined && ns.unreported > 0) ns.unreported--;
  return ns;
}

/** Applies one input to the run's nodes; a state machine's logic hands its node inputs here. */
export function applyInput(d: Decider, input: RunInput): void {
  switch (input.type) {
    case 'start':
      return startRun(d);
    case 'node.result': {
      const ns = currentAttempt(d, input.path, input.attempt);
      if (ns !== undefined) completeNode(d, reported(ns), input.output, input.port ?? 'out');
      return;
    }
    case 'node.error': {
      const ns = currentAttempt(d, input.path, input.attempt);
      if (ns !== undefined) failNode(d, reported(ns), input.error);
      return;
    }
    case 'node.interrupted': {
      const ns = currentAttempt(d, input.path, input.attempt);
      if (ns !== undefined) d.touch(reported(ns).path);
      return;
    }
    case 'node.step': {
      const ns = currentAttempt(d, input.path, input.attempt);
      if (ns !== undefined) recordStep(d, ns, input.index, input.name, input.value);
      return;
    }
    case 'node.tokens': {
      // Counted whichever attempt spent them, even one that timed out: they were paid for.
      const ns = d.state.nodes.get(input.path);
      if (ns?.kind !== 'node' || !(input.tokens > 0)) return;
      ns.tokens = (ns.tokens ?? 0) + input.tokens;
      d.meta.tokens = (d.meta.tokens ?? 0) + input.tokens;
      d.touch(ns.path);
      return;
    }
    case 'node.ask': {
      const ns = currentAttempt(d, input.path, input.attempt);
      if (ns !== undefined) parkAsking(d, reported(ns), input);
      return;
    }
    case 'node.rejected':
      return rejectNode(d, input.path, input.error);
    case 'node.emit': {
      const ns = currentAttempt(d, input.path, input.attempt);
      if (ns === undefined) return;
      if (input.kind === 'message') message(d, ns, String(input.data));
      else progress(d, ns, input.data);
      return;
    }
    case 'timer.fired':
      return timerFired(d, input.timer.id, input.timer.kind, input.timer.path);
    case 'human.input':
      return humanInput(d, input.node, input.value);
    case 'event':
      throw refusal(
        'invalid_state',
        `run ${d.meta.runId} is not a state machine: it takes no events`,
      );
    case 'child.finished': {
      const ns = d.state.nodes.get(input.path);
      if (ns?.kind !== 'node' || ns.status !== 'running' || ns.childRunId !== input.childRunId)
        return;
      const control = d.planNode(ns).control;
      if (control !== undefined) CONTROLS[control].childFinished?.(d, ns, input, WALK);
      return;
    }
    case 'pause':
      return pauseRun(d);
    case 'resume':
      return resumeRun(d);
    case 'cancel':
      return cancelRun(d, input.reason);
    case 'retry':
      return retryRun(d, input.from);
    case 'recover':
      return recoverRun(d, input.crashLimit);
  }
}

function timerFired(d: Decider, id: string, kind: string, path: string | undefined): void {
  d.commands.push({ type: 'cancel-timer', id });
  if (isTerminal(d.meta.status)) return;
  if (kind === 'run-timeout') {
    if (id !== d.runTimeoutId()) return;
    return failRun(d, {
      code: 'run_timeout',
      message: `run exceeded limits.timeout_ms (${d.plan.runTimeoutMs ?? 0} ms)`,
    });
  }
  const ns = path === undefined ? undefined : d.state.nodes.get(path);
  if (ns?.kind !== 'node') return;
  if (kind === 'retry' && ns.status === 'pending' && ns.retryAt !== undefined) {
    ns.retryAt = undefined;
    d.meta.backoff--;
    d.touch(ns.path);
    return onReady(d, ns);
  }
  if (ns.status !== 'waiting' || ns.timerId !== id) return;
  ns.timerId = undefined;
  const control = d.planNode(ns).control;
  if (control !== undefined) CONTROLS[control].timerFired?.(d, ns, kind, WALK);
}

function recordStep(d: Decider, ns: NodeState, index: number, name: string, value: unknown): void {
  // Parallel sub-steps may report out of order: the count is one past the highest position.
  if (index >= (ns.steps ?? 0)) ns.steps = index + 1;
  // A node that records new steps between crashes is making progress, not what stops the
  // process: only the execution in flight counts against the crash bound from here on.
  if (ns.unreported !== undefined && ns.unreported > 1) ns.unreported = 1;
  d.touch(ns.path);
  d.emit('node.step', ns.path, { index, name, value });
}

/** The execution asked for an answer and ended: the node waits, holding no slot meanwhile. */
function parkAsking(d: Decider, ns: NodeState, ask: Extract<RunInput, { type: 'node.ask' }>): void {
  if (d.planNode(ns).takesSlot) d.meta.executing--;
  ns.asking = { index: ask.index, name: ask.name };
  const data: NodeEventData['node.waiting'] = { prompt: ask.prompt };
  if (ask.schema !== undefined) {
    ns.asking.schema = ask.schema;
    data.schema = ask.schema;
  }
  park(d, ns, data);
  pump(d);
}

/** The answer is the asking step's result; the node runs again and replays up to it. */
function answerAsk(
  d: Decider,
  ns: NodeState,
  asking: NonNullable<NodeState['asking']>,
  value: unknown,
): void {
  if (ns.status !== 'waiting') {
    throw refusal('invalid_state', `node "${ns.path}" is ${ns.status}, not waiting for an answer`);
  }
  delete ns.asking;
  ns.status = 'pending';
  d.meta.parked--;
  recordStep(d, ns, asking.index, asking.name, value);
  onReady(d, ns);
}

function humanInput(d: Decider, node: string, value: unknown): void {
  const ns = d.state.nodes.get(node);
  if (ns?.kind === 'node' && ns.asking !== undefined) return answerAsk(d, ns, ns.asking, value);
  const kind = ns?.kind === 'node' ? d.planNode(ns).control : undefined;
  const control = kind === undefined ? undefined : CONTROLS[kind];
  if (ns?.kind !== 'node' || control?.answer === undefined) {
    throw refusal('not_found', `run ${d.meta.runId} has no human node "${node}"`);
  }
  if (ns.status !== 'waiting') {
    throw refusal('invalid_state', `node "${node}" is ${ns.status}, not waiting for an answer`);
  }
  control.answer(d, ns, value, WALK);
}

/**
 * The shell could not take an input for the node at `path` (its decision threw): the node fails
 * for good, with no retry, and its on_error applies. A node that is no longer at work there
 * (running, waiting, or sleeping before a retry) leaves nothing to fail but the run.
 */
function rejectNode(d: Decider, path: string, error: ErrorInfo): void {
  if (isTerminal(d.meta.status)) return;
  const ns = d.state.nodes.get(path);
  const backoff = ns?.kind === 'node' && ns.status === 'pending' && ns.retryAt !== undefined;
  if (ns?.kind !== 'node' || (ns.status !== 'running' && ns.status !== 'waiting' && !backoff)) {
    return failRun(d, error);
  }
  if (backoff) {
    d.commands.push({ type: 'cancel-timer', id: d.timerId(ns, 'retry') });
    ns.retryAt = undefined;
    d.meta.backoff--;
  }
  cancelWork(d, `${path}[`, 'run_failed');
  failNode(d, ns, error, true);
}
