/**
 * Property tests of the state-machine logic over random machines (compound states, guarded
 * candidates, `always`, `after` timers, entry and exit actions that fail and retry), random event
 * sequences, random results and random crashes, before or after a decision is committed. The
 * simulation (`Sim`) plays the shell; after each step the invariants of SPEC section 5 are checked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compile/compile.js';
import type { Plan } from '../../compile/plan.js';
import { ancestry } from '../../dsl/machine-tree.js';
import type { StateDefinition, TransitionDefinition, WorkflowDefinition } from '../../dsl/types.js';
import { isRefusal } from '../refusal.js';
import { prng } from '../test-support.js';
import { registry, Sim, type Stored } from './test-support.js';
import { acceptedEventsOf } from './view.js';

const EVENTS = ['A', 'B', 'C'];

const transitionArb = (targets: string[]) =>
  fc.record({
    target: fc.constantFrom(...targets),
    guarded: fc.boolean(),
    assign: fc.boolean(),
  });

const actionsArb = fc.array(
  fc.record({
    onError: fc.constantFrom('fail', 'continue'),
    attempts: fc.integer({ min: 1, max: 2 }),
  }),
  { maxLength: 2 },
);

const stateArb = (targets: string[]) =>
  fc.record({
    on: fc.dictionary(
      fc.constantFrom(...EVENTS),
      fc.array(transitionArb(targets), { minLength: 1, maxLength: 2 }),
    ),
    after: fc.option(fc.constantFrom(...targets), { nil: undefined }),
    always: fc.option(fc.constantFrom(...targets), { freq: 6, nil: undefined }),
    entry: actionsArb,
    exit: actionsArb,
  });

type StateSpec = ReturnType<typeof stateArb> extends fc.Arbitrary<infer T> ? T : never;

/** A random machine: top-level states s0..sN (the last one final), some compound with k0, k1. */
const machineArb = fc
  .record({
    count: fc.integer({ min: 2, max: 6 }),
    compound: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  })
  .chain(({ count, compound }) => {
    const top = Array.from({ length: count }, (_, i) => `s${i}`);
    const isCompound = (i: number) => compound[i] === true && i < count - 1;
    const targets = [
      ...top,
      ...top.flatMap((s, i) => (isCompound(i) ? [`${s}.k0`, `${s}.k1`] : [])),
    ];
    const children = fc.tuple(
      stateArb([...targets, 'k0', 'k1']),
      stateArb([...targets, 'k0', 'k1']),
    );
    return fc.tuple(
      fc.constant(top),
      fc.array(fc.tuple(stateArb(targets), children), { minLength: count, maxLength: count }),
      fc.constant(compound),
    );
  })
  .map(([top, specs, compound]): WorkflowDefinition => {
    const states: Record<string, StateDefinition> = {};
    top.forEach((name, i) => {
      const [spec, kids] = specs[i]!;
      if (i === top.length - 1) {
        states[name] = { type: 'final', entry: actions(spec.entry, `${name}_in`) };
        return;
      }
      const state = stateOf(spec, name);
      if (compound[i] === true) {
        state.initial = 'k0';
        state.states = { k0: stateOf(kids[0], `${name}k0`), k1: stateOf(kids[1], `${name}k1`) };
      }
      states[name] = state;
    });
    return {
      id: 'm',
      kind: 'state-machine',
      initial: 's0',
      context: { n: 0 },
      states,
      nodes: [],
      edges: [],
    };
  });

function stateOf(spec: StateSpec, prefix: string): StateDefinition {
  const state: StateDefinition = {
    on: Object.fromEntries(
      Object.entries(spec.on).map(([event, list]) => [
        event,
        list.map((t) => {
          const out: TransitionDefinition = { target: t.target };
          if (t.guarded) out.guard = 'event.ok';
          if (t.assign) out.assign = { n: '{{ context.n + 1 }}' };
          return out;
        }),
      ]),
    ),
    entry: actions(spec.entry, `${prefix}_in`),
    exit: actions(spec.exit, `${prefix}_out`),
  };
  if (spec.after !== undefined) state.after = { '100': spec.after };
  if (spec.always !== undefined)
    state.always = [
      { target: spec.always, guard: 'context.n < 3', assign: { n: '{{ context.n + 1 }}' } },
    ];
  return state;
}

function actions(specs: StateSpec['entry'], prefix: string) {
  return specs.map((a, i) => ({
    id: `${prefix}${i}`,
    type: 'noop',
    on_error: a.onError,
    retry: { max_attempts: a.attempts, initial_ms: 10 },
  }));
}

const isLeaf = (plan: Plan, path: string) => {
  const s = plan.machine?.states.get(path);
  return s !== undefined && s.initial === undefined;
};

/** The leaf a transition's target enters (down through initial children). */
function leafOf(plan: Plan, path: string): string {
  let leaf = path;
  for (
    let s = plan.machine?.states.get(leaf);
    s?.initial !== undefined;
    s = plan.machine?.states.get(leaf)
  )
    leaf = s.initial;
  return leaf;
}

interface Options {
  crashRate: number;
  /** How often an event's `ok` (what every guard reads) is true. */
  okRate: number;
}

function simulate(def: WorkflowDefinition, seed: number, o: Options) {
  const plan = compile(def, registry);
  const rand = prng(seed);
  const sim = new Sim(plan);
  let crashes = 0;
  let retries = 0;
  const armed = new Set<string>();
  sim.apply({ type: 'start' });
  let previous: Stored = sim.stored();
  let latest = previous;
  const check = () => {
    const m = sim.state.meta.machine;
    if (m === undefined) return;
    // Exactly one state, a leaf.
    expect(isLeaf(plan, m.state), `${m.state} is a leaf`).toBe(true);
    const terminal = ['succeeded', 'failed', 'cancelled'].includes(sim.state.meta.status);
    for (const t of sim.timers.values()) {
      if (t.kind !== 'after') continue;
      armed.add(t.id);
      // A timer of a state left is cancelled with the leaving.
      expect(terminal, `after timer ${t.id} live in a finished run`).toBe(false);
      expect(ancestry(m.state), `after timer of ${t.path ?? ''} live in ${m.state}`).toContain(
        t.path,
      );
    }
  };
  const step = (fn: () => void) => {
    fn();
    check();
    previous = latest;
    latest = sim.stored();
  };
  for (let i = 0; i < 300; i++) {
    const status = sim.state.meta.status;
    if (status === 'failed' && retries < 2 && rand() < 0.7) {
      // A failed run retried: it goes on where it stopped.
      retries++;
      step(() => sim.apply({ type: 'retry' }));
      continue;
    }
    if (['succeeded', 'failed', 'cancelled'].includes(status)) break;
    if (o.crashRate > 0 && rand() < o.crashRate) {
      crashes++;
      // Half the crashes lose the last decision: the process died between decide and commit.
      const back = rand() < 0.5 ? previous : latest;
      sim.restore(back);
      check();
      // Nothing before the recovery's own commit is there to fall back to.
      previous = latest = sim.stored();
      continue;
    }
    sim.now += 1 + Math.floor(rand() * 50);
    const r = rand();
    const live = [...sim.timers.values()];
    const stale = [...armed].filter((id) => !sim.timers.has(id));
    if (r < 0.35) {
      const type = EVENTS[Math.floor(rand() * EVENTS.length)]!;
      const m = sim.machine;
      const accepted = acceptedEventsOf(plan, m.state).includes(type);
      try {
        step(() => sim.send(type, { ok: rand() < o.okRate }));
        expect(accepted, `${type} taken in ${m.state}`).toBe(true);
      } catch (e) {
        if (!isRefusal(e)) throw e;
        expect(accepted, `${type} refused in ${m.state}`).toBe(false);
      }
    } else if (r < 0.75 && sim.inflight.length > 0) {
      const pick = Math.floor(rand() * sim.inflight.length);
      const [cmd] = sim.inflight.splice(pick, 1);
      sim.inflight.unshift(cmd!);
      const outcome = rand();
      step(() => {
        if (outcome < 0.8) sim.answer({ ok: true });
        else sim.answer(undefined, { code: 'boom', retryable: outcome < 0.92 });
      });
    } else if (r < 0.93 && live.length > 0) {
      const timer = live[Math.floor(rand() * live.length)]!;
      step(() => sim.fire(timer.id));
    } else if (stale.length > 0) {
      // A timer that fires after its state was left (a race with the cancel): nothing happens.
      const id = stale[Math.floor(rand() * stale.length)]!;
      const path = id.split(':')[2] ?? '';
      const before = sim.log.length;
      step(() =>
        sim.apply({
          type: 'timer.fired',
          timer: { id, runId: 'run-1', dueAt: 0, kind: 'after', path },
        }),
      );
      expect(sim.log.length, `stale timer ${id} did something`).toBe(before);
    }
  }
  return { plan, sim, crashes, retries };
}

/** What the committed history shows: each action execution finishes once, and never starts after. */
function checkActions(sim: Sim) {
  const finished = new Set<string>();
  /** Actions that failed unhandled or were cancelled: a retry of the run runs them again. */
  const again = new Set<string>();
  for (const e of sim.log) {
    if (e.type === 'run.retried') {
      for (const node of again) finished.delete(node);
      again.clear();
    }
    if (e.node === undefined) continue;
    if (e.type === 'node.failed' && e.data.handled !== true) again.add(e.node);
    if (e.type === 'node.started')
      expect(finished.has(e.node), `${e.node} ran after it finished`).toBe(false);
    if (e.type === 'node.succeeded' || e.type === 'node.failed' || e.type === 'node.skipped') {
      expect(finished.has(e.node), `${e.node} finished twice`).toBe(false);
      finished.add(e.node);
    }
  }
  expect(sim.log.map((e) => e.seq)).toEqual(sim.log.map((_, i) => i + 1));
}

describe('state machines over random machines and events', () => {
  it('are in exactly one leaf state, run each action once and drop the timers of states left', () => {
    fc.assert(
      fc.property(machineArb, fc.integer(), (def, seed) => {
        checkActions(simulate(def, seed, { crashRate: 0, okRate: 0.5 }).sim);
      }),
      { numRuns: 200 },
    );
  });

  it('keep those invariants with crashes before and after commits, and retries of failed runs', () => {
    let crashes = 0;
    let retries = 0;
    fc.assert(
      fc.property(machineArb, fc.integer(), (def, seed) => {
        const r = simulate(def, seed, { crashRate: 0.08, okRate: 0.5 });
        crashes += r.crashes;
        retries += r.retries;
        checkActions(r.sim);
      }),
      { numRuns: 200 },
    );
    expect(crashes).toBeGreaterThan(100);
    expect(retries).toBeGreaterThan(10);
  });

  it('never take a transition whose guard is false', () => {
    fc.assert(
      fc.property(machineArb, fc.integer(), (def, seed) => {
        const { plan, sim } = simulate(def, seed, { crashRate: 0.05, okRate: 0 });
        for (const e of sim.log) {
          if (e.type !== 'state.transition' || e.data.event === undefined) continue;
          const { from, to, event } = e.data;
          // Every guard reads `event.ok`, false here: only an unguarded candidate can be taken.
          const unguarded = ancestry(from).flatMap((s) =>
            (plan.machine?.states.get(s)?.on.get(event) ?? []).filter((t) => t.guard === undefined),
          );
          expect(
            unguarded.some((t) => leafOf(plan, t.target) === to),
            `${from} -> ${to} on ${event}`,
          ).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same inputs give the same history', () => {
    fc.assert(
      fc.property(machineArb, fc.integer(), (def, seed) => {
        const a = simulate(def, seed, { crashRate: 0.05, okRate: 0.5 }).sim;
        const b = simulate(def, seed, { crashRate: 0.05, okRate: 0.5 }).sim;
        expect(JSON.stringify(b.log)).toBe(JSON.stringify(a.log));
      }),
      { numRuns: 50 },
    );
  });
});
