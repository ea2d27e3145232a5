/**
 * Property tests of the decision core over random DAGs, random outcomes, random delivery order and
 * random crashes (before or after a decision is committed). The simulation plays the shell: it
 * carries out commands, completes executions in random order and round-trips the state through its
 * stored form at each crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compile } from '../compile/compile.js';
import type { NodeDefinition, OnError, WorkflowDefinition } from '../dsl/types.js';
import { NodeRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/types.js';
import type { RunEvent, TimerRecord } from '../ports/store.js';
import { decide } from './decide.js';
import { fromRecords, toNodeRecord, toRunRecord, type RunIdentity } from './persist.js';
import type { Command, RunInput } from './protocol.js';
import { createRunState, type RunState } from './state.js';
import { prng } from './test-support.js';

const registry = new NodeRegistry([
  defineNode({ type: 'task', description: 'simulated', params: z.object({}).passthrough() }),
  defineNode({
    type: 'if',
    description: 'simulated branch',
    params: z.object({ condition: z.unknown() }),
    expressions: ['condition'],
    ports: ['true', 'false'],
  }),
]);

const identity: RunIdentity = {
  id: 'run-1',
  tenant: 't',
  workflowId: 'prop',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  priority: 0,
};

const ON_ERROR: OnError[] = ['fail', 'continue', 'branch', { return: 'fallback' }];

/** A random DAG: each node depends on up to 3 earlier nodes, through random ports. */
const dagArb = fc
  .integer({ min: 1, max: 60 })
  .chain((n) =>
    fc.array(
      fc.record({
        deps: fc.uniqueArray(fc.nat({ max: 59 }), { maxLength: 3 }),
        isIf: fc.boolean(),
        port: fc.constantFrom('out', 'true', 'false', 'error'),
        onError: fc.nat({ max: 3 }),
        join: fc.constantFrom<'all' | 'any'>('all', 'any'),
        attempts: fc.integer({ min: 1, max: 3 }),
        timeout: fc.boolean(),
      }),
      { minLength: n, maxLength: n },
    ),
  )
  .map((specs): WorkflowDefinition => {
    const nodes: NodeDefinition[] = specs.map((s, i) => {
      const node: NodeDefinition = {
        id: `n${i}`,
        type: s.isIf ? 'if' : 'task',
        on_error: ON_ERROR[s.onError] ?? 'fail',
        join: s.join,
        retry: {
          max_attempts: s.attempts,
          backoff: 'exponential',
          initial_ms: 10,
          max_ms: 40,
          jitter: true,
        },
      };
      if (s.isIf) node.with = { condition: 'true' };
      return node;
    });
    const edges: { from: string; to: string; port?: string }[] = [];
    specs.forEach((s, i) => {
      for (const d of new Set(s.deps.filter((d) => d < i))) {
        const src = specs[d]!;
        const ports = [
          'out',
          ...(src.isIf ? ['true', 'false'] : []),
          ...(src.onError === 2 ? ['error'] : []),
        ];
        const port = ports.includes(s.port) ? s.port : 'out';
        edges.push({ from: `n${d}`, to: `n${i}`, ...(port === 'out' ? {} : { port }) });
      }
    });
    return { id: 'prop', nodes, edges, limits: { max_concurrency: 4 } };
  });

interface Snapshot {
  json: string;
  events: number;
  timers: Map<string, TimerRecord>;
}

function simulate(def: WorkflowDefinition, seed: number, crashRate: number) {
  const plan = compile(def, registry);
  const rand = prng(seed);
  let state: RunState = createRunState({
    runId: identity.id,
    workflowId: 'prop',
    version: 1,
    input: {},
  });
  let now = 1_000_000;
  const log: RunEvent[] = [];
  let inflight: Extract<Command, { type: 'execute' }>[] = [];
  let timers = new Map<string, TimerRecord>();
  let crashes = 0;
  /** Results the simulated nodes returned: a success must come from one of them. */
  const results = new Set<string>();
  const snapshot = (): Snapshot => ({
    json: JSON.stringify({
      run: toRunRecord(identity, state.meta),
      nodes: [...state.nodes.values()].map((s) => toNodeRecord(identity.id, s, state.meta.output)),
    }),
    events: log.length,
    timers: new Map(timers),
  });
  let previous = snapshot();
  let latest = previous;

  const apply = (input: RunInput) => {
    const d = decide(plan, state, input);
    log.push(...d.events);
    for (const c of d.commands) {
      if (c.type === 'execute') inflight.push(c);
      else if (c.type === 'timer') timers.set(c.timer.id, c.timer);
      else if (c.type === 'cancel-timer') timers.delete(c.id);
      else if (c.type === 'abort') inflight = inflight.filter((x) => x.path !== c.path);
    }
    previous = latest;
    latest = snapshot();
  };

  const crash = () => {
    crashes++;
    // Half the crashes lose the last decision: the process died between decide and commit.
    const back = rand() < 0.5 ? previous : latest;
    const saved = JSON.parse(back.json) as {
      run: ReturnType<typeof toRunRecord>;
      nodes: ReturnType<typeof toNodeRecord>[];
    };
    state = fromRecords(saved.run, saved.nodes);
    log.length = back.events;
    timers = new Map(back.timers);
    inflight = [];
    previous = latest = back;
    apply({ type: 'recover', at: now });
  };

  apply({ type: 'start', at: now });
  // A run's creation and start are one commit: there is no state before it to fall back to.
  previous = latest;
  for (let step = 0; step < 20_000; step++) {
    if (crashRate > 0 && rand() < crashRate) {
      crash();
      continue;
    }
    const choices = inflight.length + timers.size;
    if (choices === 0) break;
    const pick = Math.floor(rand() * choices);
    now += 1;
    if (pick < inflight.length) {
      const [cmd] = inflight.splice(pick, 1);
      if (cmd === undefined) continue;
      const r = rand();
      if (r < 0.7) {
        const port = cmd.nodeType === 'if' ? (rand() < 0.5 ? 'true' : 'false') : undefined;
        results.add(`${cmd.path}#${cmd.attempt}`);
        apply({
          type: 'node.result',
          path: cmd.path,
          attempt: cmd.attempt,
          output: { v: cmd.path },
          ...(port ? { port } : {}),
          at: now,
        });
      } else {
        apply({
          type: 'node.error',
          path: cmd.path,
          attempt: cmd.attempt,
          error: { code: 'boom', message: 'simulated', retryable: r < 0.85 },
          at: now,
        });
      }
    } else {
      const timer = [...timers.values()][pick - inflight.length]!;
      now = Math.max(now, timer.dueAt);
      apply({ type: 'timer.fired', timer, at: now });
    }
  }
  return { plan, state, log, crashes, def, results };
}

function checkInvariants({ log, state, def, results }: ReturnType<typeof simulate>) {
  const incoming = new Map<string, { from: string; port: string }[]>();
  for (const e of def.edges) {
    const list = incoming.get(e.to) ?? [];
    list.push({ from: e.from, port: e.port ?? 'out' });
    incoming.set(e.to, list);
  }
  const joinOf = new Map(def.nodes.map((n) => [n.id, n.join ?? 'all']));
  const finished = new Map<string, { port: string | null }>();
  const succeeded = new Set<string>();
  const skipped = new Set<string>();
  let unhandledFailure = false;

  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  for (const e of log) {
    const node = e.node ?? '';
    const data = (e.data ?? {}) as Record<string, unknown>;
    switch (e.type) {
      case 'node.started': {
        expect(skipped.has(node), `${node} started after being skipped`).toBe(false);
        expect(finished.has(node), `${node} started after it finished`).toBe(false);
        const ins = incoming.get(node) ?? [];
        if (ins.length > 0) {
          const taken = ins.filter((i) => finished.get(i.from)?.port === i.port);
          expect(taken.length, `${node} started with no taken incoming edge`).toBeGreaterThan(0);
          if (joinOf.get(node) === 'all') {
            for (const i of ins)
              expect(finished.has(i.from), `${node} started before ${i.from} finished`).toBe(true);
          }
        }
        break;
      }
      case 'node.succeeded':
        expect(succeeded.has(node), `${node} succeeded twice`).toBe(false);
        expect(
          results.has(`${node}#${String(data['attempts'])}`),
          `${node} succeeded without running`,
        ).toBe(true);
        succeeded.add(node);
        finished.set(node, { port: typeof data['port'] === 'string' ? data['port'] : 'out' });
        break;
      case 'node.failed': {
        const handled = data['handled'] === true;
        if (!handled) unhandledFailure = true;
        const onError = def.nodes.find((n) => n.id === node)?.on_error;
        finished.set(node, { port: handled ? (onError === 'branch' ? 'error' : 'out') : null });
        break;
      }
      case 'node.skipped':
        skipped.add(node);
        finished.set(node, { port: null });
        break;
      default:
        // The other events carry nothing these invariants are about.
        break;
    }
  }
  const last = log.filter((e) => e.type.startsWith('run.')).at(-1);
  expect(['run.succeeded', 'run.failed']).toContain(last?.type);
  expect(state.meta.status).toBe(last?.type === 'run.succeeded' ? 'succeeded' : 'failed');
  if (last?.type === 'run.succeeded') expect(unhandledFailure).toBe(false);
}

describe('decide over random DAGs', () => {
  it('keeps the invariants and always ends', () => {
    fc.assert(
      fc.property(dagArb, fc.integer(), (def, seed) => {
        checkInvariants(simulate(def, seed, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same inputs give the same events', () => {
    fc.assert(
      fc.property(dagArb, fc.integer(), (def, seed) => {
        const a = simulate(def, seed, 0.05);
        const b = simulate(def, seed, 0.05);
        expect(JSON.stringify(b.log)).toBe(JSON.stringify(a.log));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the invariants with crashes before and after commits', () => {
    let crashes = 0;
    fc.assert(
      fc.property(dagArb, fc.integer(), (def, seed) => {
        const result = simulate(def, seed, 0.08);
        crashes += result.crashes;
        checkInvariants(result);
      }),
      { numRuns: 300 },
    );
    expect(crashes).toBeGreaterThan(100);
  });
});
