/**
 * @module runtime/machine/test-support
 * A shell for state-machine runs in tests, not part of the build: it carries out the decisions'
 * commands (executions are held until the test answers them, timers are kept by id) and can
 * round-trip the run through its stored form, as a restart does.
 */
import { compile } from '../../compile/compile.js';
import type { Plan } from '../../compile/plan.js';
import { parseDefinition } from '../../dsl/index.js';
import { testRegistry } from '../../dsl/test-support.js';
import type { RunEvent, TimerRecord } from '../../ports/store.js';
import { runLogicOf } from '../logic.js';
import { toNodeRecord, toRunRecord, type RunIdentity } from '../persist.js';
import type { Command, RunInput } from '../protocol.js';
import type { RunState } from '../state.js';

export const registry = testRegistry();

export const identity: RunIdentity = {
  id: 'run-1',
  tenant: 't',
  workflowId: 'm',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  priority: 0,
};

export type Execute = Extract<Command, { type: 'execute' }>;
type Distributive<T> = T extends unknown ? Omit<T, 'at'> : never;
export type Input = Distributive<RunInput>;

export function planOf(source: string | Record<string, unknown>): Plan {
  const text = typeof source === 'string' ? source : JSON.stringify(source);
  const r = parseDefinition(text, { registry });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n'));
  return compile(r.definition, registry);
}

/** The stored form of a run: its run row and its path rows, as JSON. */
export type Stored = string;

export class Sim {
  state: RunState;
  now = 1_000_000;
  readonly log: RunEvent[] = [];
  inflight: Execute[] = [];
  timers = new Map<string, TimerRecord>();

  constructor(
    readonly plan: Plan,
    input: unknown = {},
  ) {
    this.state = runLogicOf(plan).initialState({
      runId: identity.id,
      workflowId: identity.workflowId,
      version: 1,
      input,
    });
  }

  get machine() {
    const m = this.state.meta.machine;
    if (m === undefined) throw new Error('no machine');
    return m;
  }

  apply(input: Input): void {
    const at = { ...input, at: this.now };
    const d = runLogicOf(this.plan).decide(this.plan, this.state, at);
    this.log.push(...d.events);
    for (const c of d.commands) {
      if (c.type === 'execute') this.inflight.push(c);
      else if (c.type === 'timer') this.timers.set(c.timer.id, c.timer);
      else if (c.type === 'cancel-timer') this.timers.delete(c.id);
      else if (c.type === 'abort') this.inflight = this.inflight.filter((x) => x.path !== c.path);
    }
  }

  send(type: string, data?: unknown): void {
    this.apply({ type: 'event', event: data === undefined ? { type } : { type, data } });
  }

  /** Answers the oldest execution in flight with `output`, or fails it with `error`. */
  answer(output: unknown = { ok: true }, error?: { code: string; retryable?: boolean }): Execute {
    const cmd = this.inflight.shift();
    if (cmd === undefined) throw new Error('no execution in flight');
    if (error === undefined) {
      this.apply({ type: 'node.result', path: cmd.path, attempt: cmd.attempt, output });
    } else {
      const e = { code: error.code, message: 'simulated', retryable: error.retryable };
      this.apply({ type: 'node.error', path: cmd.path, attempt: cmd.attempt, error: e });
    }
    return cmd;
  }

  /** Moves the clock to the timer's due time and fires it. */
  fire(id: string): void {
    const timer = this.timers.get(id);
    if (timer === undefined) throw new Error(`no timer ${id}`);
    this.now = Math.max(this.now, timer.dueAt);
    this.apply({ type: 'timer.fired', timer });
  }

  stored(): Stored {
    return JSON.stringify({
      run: toRunRecord(identity, this.state.meta),
      nodes: [...this.state.nodes.values()].map((s) =>
        toNodeRecord(identity.id, s, this.state.meta.output),
      ),
      timers: [...this.timers.values()],
      events: this.log.length,
    });
  }

  /** Loads the run back from `stored`, as a restart does, and recovers it. */
  restore(stored: Stored): void {
    const saved = JSON.parse(stored) as {
      run: ReturnType<typeof toRunRecord>;
      nodes: ReturnType<typeof toNodeRecord>[];
      timers: TimerRecord[];
      events: number;
    };
    this.state = runLogicOf(this.plan).load(this.plan, saved.run, saved.nodes);
    this.timers = new Map(saved.timers.map((t) => [t.id, t]));
    this.log.length = saved.events;
    this.inflight = [];
    this.apply({ type: 'recover' });
  }

  transitions(): { from: string; to: string; event?: string }[] {
    return this.log
      .filter((e) => e.type === 'state.transition')
      .map((e) => e.data as { from: string; to: string; event?: string });
  }
}
