/**
 * @module runtime/decider
 * The working state of {@link decide}: one Decider handles one input for one run. It holds the
 * events, commands and changed paths of the decision and finds plan nodes and their states; the
 * moves themselves are in `walk` (readiness, completion, failure), `messages`, `lifecycle` and the
 * control table. It performs no I/O and reads no clock: time comes with the input.
 */
import type { Plan, PlanGraph, PlanNode } from '../compile/plan.js';
import { WeftError, type ErrorInfo } from '../errors.js';
import type {
  NodeEventData,
  NodeEventType,
  RunEvent,
  RunEventType,
  RunLevelEventData,
  RunLevelEventType,
} from '../events.js';
import { isTerminal } from '../ports/store.js';
import type { Command } from './protocol.js';
import { scopeOf } from './scope.js';
import { childPath, type FrameState, type NodeState, type RunState } from './state.js';

export type AttemptError = ErrorInfo & { retryable?: boolean };

/** What `emit` takes after the type: a node event needs its node; data only where declared. */
type EmitArgs<T extends RunEventType> = T extends NodeEventType
  ? [node: string, data: NodeEventData[T]]
  : T extends RunLevelEventType
    ? undefined extends RunLevelEventData[T]
      ? [node?: undefined, data?: RunLevelEventData[T]]
      : [node: undefined, data: RunLevelEventData[T]]
    : never;

export class Decider {
  readonly events: RunEvent[] = [];
  readonly commands: Command[] = [];
  readonly dirty = new Set<string>();
  /** Paths whose rows must be deleted (a retry resets them). */
  readonly removed = new Set<string>();
  readonly iso: string;
  readonly #work: (() => void)[] = [];
  /** A state machine's action frame finished (`runtime/machine/`): its logic goes on. */
  onActionDone: ((fs: FrameState) => void) | undefined;

  constructor(
    readonly plan: Plan,
    readonly state: RunState,
    readonly at: number,
  ) {
    this.iso = new Date(at).toISOString();
  }

  get meta() {
    return this.state.meta;
  }

  /** Records an event; only the types and data of `events.ts` compile. */
  emit<T extends RunEventType>(type: T, ...[node, data]: EmitArgs<T>): void {
    const event: Record<string, unknown> = { seq: ++this.meta.seq, type, at: this.iso };
    if (node !== undefined) event['node'] = node;
    if (data !== undefined) event['data'] = data;
    // The signature checked type, node and data against the union.
    this.events.push(event as unknown as RunEvent);
  }

  touch(path: string): void {
    this.dirty.add(path);
  }

  /** Runs deferred work until none is left: edge propagation is iterative, never recursive. */
  drain(): void {
    for (let job = this.#work.shift(); job !== undefined; job = this.#work.shift()) job();
  }

  defer(job: () => void): void {
    this.#work.push(job);
  }

  graphOf(frame: string): PlanGraph {
    if (frame === '') return this.plan.root;
    const cached = this.state.graphs.get(frame);
    if (cached !== undefined) return cached;
    const fs = this.frameState(frame);
    if (fs.action !== undefined) {
      const graph = this.plan.machine?.states.get(fs.nodeId)?.[fs.action.kind][fs.action.index];
      if (graph === undefined) throw new WeftError('internal', `frame ${frame} has no action`);
      this.state.graphs.set(frame, graph);
      return graph;
    }
    const owner = this.nodeState(fs.owner);
    const body = this.planNode(owner).body;
    if (body === undefined) throw new WeftError('internal', `frame ${frame} has no body`);
    this.state.graphs.set(frame, body);
    return body;
  }

  planNode(ns: NodeState): PlanNode {
    const pn = this.graphOf(ns.frame).nodes[ns.index];
    if (pn === undefined) throw new WeftError('internal', `no plan node for ${ns.path}`);
    return pn;
  }

  nodeState(path: string): NodeState {
    const s = this.state.nodes.get(path);
    if (s?.kind !== 'node') throw new WeftError('internal', `no node state at ${path}`);
    return s;
  }

  frameState(path: string): FrameState {
    const s = this.state.nodes.get(path);
    if (s?.kind !== 'frame') throw new WeftError('internal', `no frame state at ${path}`);
    return s;
  }

  /** The node at `index` of a frame's graph, created pending on first use. */
  node(frame: string, index: number): NodeState {
    const pn = this.graphOf(frame).nodes[index];
    if (pn === undefined) throw new WeftError('internal', `no node ${index} in frame ${frame}`);
    const path = childPath(frame, pn.id);
    const existing = this.state.nodes.get(path);
    if (existing?.kind === 'node') return existing;
    const ns: NodeState = {
      kind: 'node',
      path,
      nodeId: pn.id,
      frame,
      index,
      status: 'pending',
      attempts: 0,
      failures: 0,
      resolvedIn: 0,
      takenIn: 0,
    };
    this.state.nodes.set(path, ns);
    this.touch(path);
    return ns;
  }

  scopeOf(frame: string): Record<string, unknown> {
    return scopeOf(this.state, frame);
  }

  runTimeoutId(): string {
    return `${this.meta.runId}:#run-timeout${this.meta.attempt}`;
  }

  /** Called when the run reaches a terminal status. */
  disarmRunTimeout(): void {
    if (this.plan.runTimeoutMs !== undefined) {
      this.commands.push({ type: 'cancel-timer', id: this.runTimeoutId() });
    }
  }

  /** The id of a node's timer: it names the node's attempt, so a later attempt's differs. */
  timerId(ns: NodeState, kind: string): string {
    return `${this.meta.runId}:${ns.path}#${kind}${ns.attempts}`;
  }

  /** Sets a timer for a node (see {@link Decider.timerId}). */
  addTimer(ns: NodeState, kind: string, dueAt: number): string {
    const id = this.timerId(ns, kind);
    this.commands.push({
      type: 'timer',
      timer: { id, runId: this.meta.runId, dueAt, kind, path: ns.path },
    });
    return id;
  }

  evaluate<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: AttemptError } {
    try {
      return { ok: true, value: fn() };
    } catch (e) {
      const err = WeftError.is(e) ? e : new WeftError('expression_error', String(e));
      return { ok: false, error: { code: err.code, message: err.message } };
    }
  }

  /**
   * Recomputes running/waiting after a decision and reports the change. `idle`: nothing of the
   * run is at work and it waits for something from outside (a state machine for its events).
   */
  settleStatus(idle = false): void {
    const m = this.meta;
    // Queued: not started yet, or retried and waiting for its turn under a concurrency key.
    if (isTerminal(m.status) || m.status === 'queued') return;
    const next = m.paused
      ? 'paused'
      : m.executing > 0 || m.backoff > 0 || (m.parked === 0 && !idle)
        ? 'running'
        : 'waiting';
    if (next === m.status) return;
    m.status = next;
    if (next === 'waiting') this.emit('run.waiting');
  }
}
