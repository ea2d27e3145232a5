/**
 * Property tests of run control (issue #9): random pause, resume, cancel, retry, retry --from and
 * human answers, interleaved at random with node results, node errors and timers, against random
 * graphs of tasks, waits and human steps. The state goes through its stored form after every
 * decision, as it does across restarts.
 *
 * Invariants: no event follows a terminal event within one lifetime of the run (a retry starts a
 * new lifetime with `run.retried`); a run whose last run-level event is terminal has that terminal
 * status, and a run whose last one is not has a status that is not terminal; an illegal move throws
 * WeftError and changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compile } from '../compile/compile.js';
import type { NodeDefinition, WorkflowDefinition } from '../dsl/types.js';
import { WeftError } from '../errors.js';
import { TERMINAL_EVENT_TYPES, type RunEvent } from '../events.js';
import { NodeRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/types.js';
import { isTerminal, type TimerRecord } from '../ports/store.js';
import { humanNode, waitNode } from './controls/index.js';
import { decide } from './decide.js';
import { fromRecords, toNodeRecord, toRunRecord, type RunIdentity } from './persist.js';
import type { Command, RunInput } from './protocol.js';
import { createRunState, type RunState } from './state.js';

const registry = new NodeRegistry([
  defineNode({ type: 'task', description: 'simulated', params: z.object({}).passthrough() }),
  humanNode,
  waitNode,
]);

const identity: RunIdentity = {
  id: 'run-1',
  tenant: 't',
  workflowId: 'control',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  priority: 0,
};

const TERMINAL: readonly string[] = TERMINAL_EVENT_TYPES;

/** A random DAG of tasks, waits and human steps; each node needs up to 2 earlier nodes. */
const graphArb = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.array(
      fc.record({
        kind: fc.constantFrom('task', 'task', 'wait', 'human'),
        deps: fc.uniqueArray(fc.nat({ max: 7 }), { maxLength: 2 }),
        onError: fc.constantFrom<'fail' | 'continue'>('fail', 'continue'),
        attempts: fc.integer({ min: 1, max: 2 }),
        delay: fc.integer({ min: 1, max: 50 }),
        humanTimeout: fc.boolean(),
      }),
      { minLength: n, maxLength: n },
    ),
  )
  .chain((specs) =>
    fc.option(fc.integer({ min: 20, max: 400 }), { nil: undefined }).map((timeout) => {
      const nodes: NodeDefinition[] = specs.map((s, i) => {
        const node: NodeDefinition = { id: `n${i}`, type: s.kind, on_error: s.onError };
        if (s.kind === 'task') {
          node.retry = {
            max_attempts: s.attempts,
            backoff: 'fixed',
            initial_ms: 10,
            max_ms: 10,
            jitter: false,
          };
        }
        if (s.kind === 'wait') node.with = { duration: s.delay };
        if (s.kind === 'human') {
          node.with = s.humanTimeout ? { prompt: '?', timeout: s.delay } : { prompt: '?' };
        }
        return node;
      });
      const edges: { from: string; to: string }[] = [];
      specs.forEach((s, i) => {
        for (const d of new Set(s.deps.filter((d) => d < i)))
          edges.push({ from: `n${d}`, to: `n${i}` });
      });
      const def: WorkflowDefinition = {
        id: 'control',
        nodes,
        edges,
        limits: { max_concurrency: 2 },
      };
      if (timeout !== undefined) def.limits = { ...def.limits, timeout_ms: timeout };
      return def;
    }),
  );

type Move =
  | { type: 'step'; pick: number; ok: boolean }
  | { type: 'pause' | 'resume' | 'cancel' | 'retry' }
  | { type: 'retry-from' | 'answer'; pick: number };

const moveArb: fc.Arbitrary<Move> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ type: fc.constant('step' as const), pick: fc.nat(), ok: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.constantFrom<Move>({ type: 'pause' }, { type: 'resume' }) },
  { weight: 1, arbitrary: fc.constantFrom<Move>({ type: 'cancel' }, { type: 'retry' }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constantFrom('retry-from' as const, 'answer' as const),
      pick: fc.nat(),
    }),
  },
);

const stored = (state: RunState): string =>
  JSON.stringify({
    run: toRunRecord(identity, state.meta),
    nodes: [...state.nodes.values()].map((s) => toNodeRecord(identity.id, s, state.meta.output)),
  });

function reload(json: string): RunState {
  const saved = JSON.parse(json) as {
    run: ReturnType<typeof toRunRecord>;
    nodes: ReturnType<typeof toNodeRecord>[];
  };
  return fromRecords(saved.run, saved.nodes);
}

function play(def: WorkflowDefinition, moves: readonly Move[]) {
  const plan = compile(def, registry);
  let state: RunState = createRunState({
    runId: identity.id,
    workflowId: def.id,
    version: 1,
    input: {},
  });
  let now = 1_000_000;
  const log: RunEvent[] = [];
  // Executions stay deliverable after an abort: a node may finish before the abort reaches it.
  const inflight: Extract<Command, { type: 'execute' }>[] = [];
  const timers = new Map<string, TimerRecord>();
  /** Whether the current lifetime of the run has ended with a terminal event. */
  let ended = false;
  let refused = 0;

  const check = () => {
    const lastRun = log.filter((e) => e.type.startsWith('run.')).at(-1);
    const status = state.meta.status;
    if (lastRun !== undefined && TERMINAL.includes(lastRun.type)) {
      expect(status, `last event ${lastRun.type}`).toBe(lastRun.type.slice('run.'.length));
      expect(state.meta.finishedAt).toBeDefined();
    } else {
      expect(isTerminal(status), `status ${status} after ${lastRun?.type}`).toBe(false);
      expect(state.meta.finishedAt).toBeUndefined();
    }
  };

  const apply = (input: RunInput, mayRefuse: boolean) => {
    const before = stored(state);
    let events: RunEvent[];
    let commands: Command[];
    try {
      ({ events, commands } = decide(plan, state, input));
    } catch (e) {
      if (!mayRefuse || !WeftError.is(e)) throw e;
      // An illegal move changes nothing.
      expect(stored(state), `${input.type} was refused but changed the run`).toBe(before);
      refused++;
      return;
    }
    for (const e of events) {
      if (ended) {
        expect(e.type, `${e.type} after a terminal event`).toBe('run.retried');
        ended = false;
      }
      if (TERMINAL.includes(e.type)) ended = true;
      log.push(e);
    }
    for (const c of commands) {
      if (c.type === 'execute') inflight.push(c);
      else if (c.type === 'timer') timers.set(c.timer.id, c.timer);
      else if (c.type === 'cancel-timer') timers.delete(c.id);
    }
    // Every decision is committed and the next one starts from the stored form.
    state = reload(stored(state));
    check();
  };

  apply({ type: 'start', at: now }, false);
  for (const move of moves) {
    now += 1;
    switch (move.type) {
      case 'step': {
        const choices = inflight.length + timers.size;
        if (choices === 0) break;
        const pick = move.pick % choices;
        if (pick < inflight.length) {
          const [cmd] = inflight.splice(pick, 1);
          if (cmd === undefined) break;
          apply(
            move.ok
              ? { type: 'node.result', path: cmd.path, attempt: cmd.attempt, output: 1, at: now }
              : {
                  type: 'node.error',
                  path: cmd.path,
                  attempt: cmd.attempt,
                  error: { code: 'boom', message: 'simulated', retryable: true },
                  at: now,
                },
            false,
          );
        } else {
          const timer = [...timers.values()][pick - inflight.length];
          if (timer === undefined) break;
          now = Math.max(now, timer.dueAt);
          apply({ type: 'timer.fired', timer, at: now }, false);
        }
        break;
      }
      case 'pause':
      case 'resume':
      case 'cancel':
      case 'retry':
        apply({ type: move.type, at: now }, true);
        break;
      case 'retry-from': {
        const node = def.nodes[move.pick % def.nodes.length];
        apply({ type: 'retry', from: node?.id ?? 'n0', at: now }, true);
        break;
      }
      case 'answer': {
        const humans = def.nodes.filter((n) => n.type === 'human');
        const node = humans[move.pick % Math.max(humans.length, 1)];
        if (node !== undefined)
          apply({ type: 'human.input', node: node.id, value: 1, at: now }, true);
        break;
      }
    }
  }
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  return { log, state, refused };
}

describe('run control over random graphs and random moves', () => {
  it('never records an event after a terminal event, nor leaves a finished run unfinished', () => {
    let refused = 0;
    let finishedWhilePaused = 0;
    fc.assert(
      fc.property(graphArb, fc.array(moveArb, { maxLength: 80 }), (def, moves) => {
        const result = play(def, moves);
        refused += result.refused;
        const types = result.log.map((e) => e.type);
        const paused = types.lastIndexOf('run.paused');
        if (paused >= 0 && paused > types.lastIndexOf('run.resumed')) {
          if (isTerminal(result.state.meta.status)) finishedWhilePaused++;
        }
      }),
      { numRuns: 500 },
    );
    expect(refused).toBeGreaterThan(0);
    expect(finishedWhilePaused).toBeGreaterThan(0);
  });

  it('a run that finishes while paused refuses resume and stays finished', () => {
    const def: WorkflowDefinition = {
      id: 'control',
      nodes: [{ id: 'last', type: 'wait', with: { duration: 10 } }],
      edges: [],
    };
    const plan = compile(def, registry);
    const state = createRunState({ runId: identity.id, workflowId: def.id, version: 1, input: {} });
    const start = decide(plan, state, { type: 'start', at: 0 });
    const timer = start.commands.find((c) => c.type === 'timer');
    expect(timer?.type).toBe('timer');
    decide(plan, state, { type: 'pause', at: 1 });
    if (timer?.type !== 'timer') return;
    const done = decide(plan, state, { type: 'timer.fired', timer: timer.timer, at: 10 });
    expect(done.events.map((e) => e.type)).toEqual(['node.succeeded', 'run.succeeded']);
    const before = stored(state);
    expect(() => decide(plan, state, { type: 'resume', at: 11 })).toThrow(
      /run is succeeded, not paused/,
    );
    expect(stored(state)).toBe(before);
    expect(state.meta.status).toBe('succeeded');
  });
});
