/**
 * Property test of the crash bound (issue 17, section 3): random graphs of tasks, some poisoned
 * (the process dies whenever one runs), random results, retryable errors, crashes of the whole
 * process and graceful shutdowns. The simulation plays the shell: a crash loses every execution
 * in flight and carries on from what was committed (each decision is committed); a shutdown first
 * tells the core which executions it cut off.
 *
 * Invariants: the run always ends; no node loses more than `crashLimit` executions to crashes (the
 * simulated nodes record no sub-steps, which would count as progress: the last case); a
 * poisoned node never succeeds; a node fails with `process_crashed` only once it lost that many,
 * and shutdowns never count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compile } from '../compile/compile.js';
import type { NodeDefinition, WorkflowDefinition } from '../dsl/types.js';
import { NodeRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/types.js';
import { isTerminal, type RunEvent, type TimerRecord } from '../ports/store.js';
import { decide } from './decide.js';
import { fromRecords, toNodeRecord, toRunRecord, type RunIdentity } from './persist.js';
import type { Command, RunInput } from './protocol.js';
import { createRunState, type RunState } from './state.js';
import { prng } from './test-support.js';

const registry = new NodeRegistry([
  defineNode({ type: 'task', description: 'simulated', params: z.object({}).passthrough() }),
]);

const identity: RunIdentity = {
  id: 'run-1',
  tenant: 't',
  workflowId: 'crashes',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  priority: 0,
};

const graphArb = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.array(
      fc.record({
        deps: fc.uniqueArray(fc.nat({ max: 11 }), { maxLength: 2 }),
        poisoned: fc.nat({ max: 3 }).map((n) => n === 0),
        onError: fc.constantFrom<'fail' | 'continue'>('fail', 'continue'),
        attempts: fc.integer({ min: 1, max: 4 }),
      }),
      { minLength: n, maxLength: n },
    ),
  )
  .map((specs) => {
    const nodes: NodeDefinition[] = specs.map((s, i) => ({
      id: `n${i}`,
      type: 'task',
      on_error: s.onError,
      retry: { max_attempts: s.attempts, backoff: 'fixed', initial_ms: 5 },
      ...(s.poisoned ? { with: { poisoned: true } } : {}),
    }));
    const edges = specs.flatMap((s, i) =>
      [...new Set(s.deps.filter((d) => d < i))].map((d) => ({ from: `n${d}`, to: `n${i}` })),
    );
    const def: WorkflowDefinition = { id: 'crashes', nodes, edges, limits: { max_concurrency: 3 } };
    return def;
  });

type Execute = Extract<Command, { type: 'execute' }>;

function simulate(def: WorkflowDefinition, seed: number, crashLimit: number) {
  const plan = compile(def, registry);
  const poisoned = new Set(def.nodes.filter((n) => n.with?.['poisoned'] === true).map((n) => n.id));
  const rand = prng(seed);
  let state: RunState = createRunState({
    runId: identity.id,
    workflowId: def.id,
    version: 1,
    input: {},
  });
  let now = 1_000_000;
  const log: RunEvent[] = [];
  let inflight: Execute[] = [];
  const timers = new Map<string, TimerRecord>();
  /** Executions of each node lost to a crash of the process. */
  const lost = new Map<string, number>();
  let shutdowns = 0;

  const apply = (input: RunInput) => {
    const d = decide(plan, state, input);
    log.push(...d.events);
    for (const c of d.commands) {
      if (c.type === 'execute') inflight.push(c);
      else if (c.type === 'timer') timers.set(c.timer.id, c.timer);
      else if (c.type === 'cancel-timer') timers.delete(c.id);
      else if (c.type === 'abort') inflight = inflight.filter((x) => x.path !== c.path);
    }
  };
  /** The process starts again from what is stored. */
  const restart = () => {
    const stored = JSON.parse(
      JSON.stringify({
        run: toRunRecord(identity, state.meta),
        nodes: [...state.nodes.values()].map((s) => toNodeRecord(identity.id, s)),
      }),
    ) as { run: ReturnType<typeof toRunRecord>; nodes: ReturnType<typeof toNodeRecord>[] };
    state = fromRecords(stored.run, stored.nodes);
    inflight = [];
    apply({ type: 'recover', crashLimit, at: now });
  };
  const crash = () => {
    for (const c of inflight) lost.set(c.path, (lost.get(c.path) ?? 0) + 1);
    restart();
  };

  apply({ type: 'start', at: now });
  let steps = 0;
  for (; steps < 5_000 && !isTerminal(state.meta.status); steps++) {
    now += 1;
    const r = rand();
    if (r < 0.03 && inflight.length > 0) {
      crash();
      continue;
    }
    if (r < 0.06 && inflight.length > 0) {
      shutdowns++;
      for (const c of inflight)
        apply({ type: 'node.interrupted', path: c.path, attempt: c.attempt, at: now });
      restart();
      continue;
    }
    const choices = inflight.length + timers.size;
    if (choices === 0) break;
    const pick = Math.floor(rand() * choices);
    if (pick >= inflight.length) {
      const timer = [...timers.values()][pick - inflight.length]!;
      now = Math.max(now, timer.dueAt);
      apply({ type: 'timer.fired', timer, at: now });
      continue;
    }
    const cmd = inflight[pick]!;
    // A poisoned node takes the process down with it as soon as it runs.
    if (poisoned.has(cmd.nodeId)) {
      crash();
      continue;
    }
    inflight.splice(pick, 1);
    if (rand() < 0.7) {
      apply({ type: 'node.result', path: cmd.path, attempt: cmd.attempt, output: 1, at: now });
    } else {
      const error = { code: 'boom', message: 'simulated', retryable: true };
      apply({ type: 'node.error', path: cmd.path, attempt: cmd.attempt, error, at: now });
    }
  }
  return { state, log, lost, poisoned, steps, shutdowns };
}

describe('the crash bound', () => {
  it('ends every run, and fails a node with process_crashed only once it lost that many executions', () => {
    let crashedFailures = 0;
    let shutdowns = 0;
    fc.assert(
      fc.property(graphArb, fc.integer(), fc.integer({ min: 1, max: 4 }), (def, seed, limit) => {
        const { state, log, lost, poisoned, shutdowns: s } = simulate(def, seed, limit);
        shutdowns += s;
        expect(isTerminal(state.meta.status)).toBe(true);
        for (const [path, n] of lost) expect(n, path).toBeLessThanOrEqual(limit);
        for (const e of log) {
          if (e.type === 'node.succeeded') expect(poisoned.has(e.node)).toBe(false);
          if (e.type === 'node.failed' && e.data.error.code === 'process_crashed') {
            crashedFailures++;
            expect(lost.get(e.node)).toBe(limit);
            expect(e.data.error.message).toContain(`stopped, ${limit} times`);
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(crashedFailures).toBeGreaterThan(20);
    expect(shutdowns).toBeGreaterThan(20);
  });

  it('counts executions across reports: one crash, an error, two crashes, and the node fails', () => {
    const def: WorkflowDefinition = {
      id: 'crashes',
      nodes: [
        { id: 'a', type: 'task', retry: { max_attempts: 5, backoff: 'fixed', initial_ms: 1 } },
      ],
      edges: [],
    };
    const plan = compile(def, registry);
    let state = createRunState({ runId: identity.id, workflowId: def.id, version: 1, input: {} });
    const run = (input: RunInput) => decide(plan, state, input);
    const reload = () => {
      state = fromRecords(
        toRunRecord(identity, state.meta),
        [...state.nodes.values()].map((s) => toNodeRecord(identity.id, s)),
      );
    };
    run({ type: 'start', at: 1 });
    reload();
    run({ type: 'recover', crashLimit: 3, at: 2 }); // attempt 2, after a crash of attempt 1
    const error = { code: 'boom', message: 'x', retryable: true };
    run({ type: 'node.error', path: 'a', attempt: 2, error, at: 3 });
    // In backoff: nothing is in flight, nothing to run again.
    expect(run({ type: 'recover', crashLimit: 3, at: 4 }).commands).toEqual([]);
    const timer = {
      id: `${identity.id}:a#retry2`,
      runId: identity.id,
      dueAt: 5,
      kind: 'retry',
      path: 'a',
    };
    run({ type: 'timer.fired', timer, at: 5 }); // attempt 3
    reload();
    run({ type: 'recover', crashLimit: 3, at: 6 }); // attempt 4
    reload();
    const last = run({ type: 'recover', crashLimit: 3, at: 7 });
    expect(last.commands.filter((c) => c.type === 'execute')).toEqual([]);
    expect(state.meta.status).toBe('failed');
    expect(state.meta.error).toMatchObject({ code: 'process_crashed' });
    expect(state.nodes.get('a')).toMatchObject({ status: 'failed', attempts: 4 });
  });

  it('counts only the crashes since a node last recorded a new sub-step: it is making progress', () => {
    const def: WorkflowDefinition = {
      id: 'crashes',
      nodes: [{ id: 'a', type: 'task' }],
      edges: [],
    };
    const plan = compile(def, registry);
    let state = createRunState({ runId: identity.id, workflowId: def.id, version: 1, input: {} });
    const run = (input: RunInput) => decide(plan, state, input);
    const reload = () => {
      state = fromRecords(
        toRunRecord(identity, state.meta),
        [...state.nodes.values()].map((s) => toNodeRecord(identity.id, s)),
      );
    };
    run({ type: 'start', at: 1 });
    let at = 2;
    // Seven crashes with a limit of 3, each execution recording one new step before it dies.
    for (let attempt = 1; attempt <= 7; attempt++) {
      const step = { index: attempt - 1, name: `s${attempt}`, value: attempt };
      run({ type: 'node.step', path: 'a', attempt, ...step, at: at++ });
      reload();
      const next = run({ type: 'recover', crashLimit: 3, at: at++ });
      expect(next.commands.filter((c) => c.type === 'execute')).toHaveLength(1);
    }
    expect(state.nodes.get('a')).toMatchObject({ status: 'running', attempts: 8, steps: 7 });
    // Without new steps, the bound holds again: two more crashes and the node fails.
    reload();
    run({ type: 'recover', crashLimit: 3, at: at++ });
    reload();
    run({ type: 'recover', crashLimit: 3, at: at++ });
    expect(state.nodes.get('a')).toMatchObject({ status: 'failed' });
    expect(state.meta.error).toMatchObject({ code: 'process_crashed' });
  });
});
