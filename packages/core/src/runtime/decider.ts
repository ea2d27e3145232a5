/**
 * @module runtime/decider
 * The working part of {@link decide}: one Decider handles one input for one run. It moves nodes
 * through readiness, start, completion and failure, records events, commands and the paths it
 * changed. It performs no I/O and reads no clock: time comes with the input.
 */
import type { Plan, PlanGraph, PlanNode } from '../compile/plan.js';
import { causeOf, WeftError, type ErrorInfo } from '../errors.js';
import { toPlainJson, toScopeValue } from '../expr/index.js';
import type {
  NodeEventData,
  NodeEventType,
  RunEvent,
  RunEventType,
  RunLevelEventData,
  RunLevelEventType,
} from '../events.js';
import { isTerminal } from '../ports/store.js';
import { graphOutput, toBoolean } from './outputs.js';
import type { Command } from './protocol.js';
import {
  childPath,
  framePath,
  hasOutput,
  isNodeFinished,
  type FrameState,
  type NodeState,
  type RunState,
} from './state.js';
import { backoffDelay, derivedId, parseDuration, parseTimestamp } from './time.js';

/** Node kinds that hold an execution slot while they run. */
const takesSlot = (pn: PlanNode): boolean =>
  pn.control === undefined || pn.control === 'subworkflow';

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

  // ---- bookkeeping -------------------------------------------------------------------------

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
    return scopeOf(this.state, frame, this.plan);
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

  evaluate<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: AttemptError } {
    try {
      return { ok: true, value: fn() };
    } catch (e) {
      const err = WeftError.is(e) ? e : new WeftError('expression_error', String(e));
      return { ok: false, error: { code: err.code, message: err.message } };
    }
  }

  // ---- readiness --------------------------------------------------------------------------

  /** Starts every entry node of a frame's graph. */
  startFrame(frame: string): void {
    for (const index of this.graphOf(frame).entries) {
      const ns = this.node(frame, index);
      this.defer(() => this.onReady(ns));
    }
  }

  resolveEdge(target: NodeState, taken: boolean): void {
    target.resolvedIn++;
    if (taken) target.takenIn++;
    this.touch(target.path);
    this.checkReady(target);
  }

  /** Applies the join rule to a pending node whose incoming edges changed. */
  checkReady(ns: NodeState): void {
    if (ns.status !== 'pending' || ns.queued === true || ns.retryAt !== undefined) return;
    const total = this.planNode(ns).inEdges.length;
    if (this.planNode(ns).join === 'any') {
      if (ns.takenIn > 0) this.onReady(ns);
      else if (ns.resolvedIn === total) this.skip(ns, 'branch');
    } else if (ns.resolvedIn === total) {
      if (ns.takenIn > 0 || total === 0) this.onReady(ns);
      else this.skip(ns, 'branch');
    }
  }

  onReady(ns: NodeState): void {
    if (ns.status !== 'pending' || ns.queued === true) return;
    const pn = this.planNode(ns);
    if (pn.when !== undefined && ns.attempts === 0) {
      const when = pn.when;
      const r = this.evaluate(() => when.evaluate(this.scopeOf(ns.frame), { now: this.at }));
      if (!r.ok) return this.failNode(ns, r.error, true);
      if (!toBoolean(r.value)) return this.skip(ns, 'when');
    }
    if (this.meta.paused || (takesSlot(pn) && this.meta.executing >= this.plan.maxConcurrency)) {
      ns.queued = true;
      this.meta.queue.push(ns.path);
      this.touch(ns.path);
      return;
    }
    this.startNode(ns);
  }

  /** Starts queued nodes while slots are free. */
  pump(): void {
    if (this.meta.paused || this.meta.queue.length === 0) return;
    const keep: string[] = [];
    for (const path of this.meta.queue) {
      const ns = this.state.nodes.get(path);
      if (ns?.kind !== 'node' || ns.status !== 'pending') continue;
      const pn = this.planNode(ns);
      if (this.meta.paused || (takesSlot(pn) && this.meta.executing >= this.plan.maxConcurrency)) {
        keep.push(path);
        continue;
      }
      ns.queued = false;
      this.touch(path);
      this.startNode(ns);
    }
    this.meta.queue = keep;
  }

  // ---- starting ---------------------------------------------------------------------------

  startNode(ns: NodeState): void {
    const pn = this.planNode(ns);
    const scope = this.scopeOf(ns.frame);
    const params = this.evaluate(() => toPlainJson(pn.params.evaluate(scope, { now: this.at })));
    ns.status = 'running';
    ns.attempts++;
    ns.startedAt ??= this.iso;
    this.touch(ns.path);
    if (takesSlot(pn)) this.meta.executing++;
    this.emit('node.started', ns.path, { type: pn.type, attempt: ns.attempts });
    if (!params.ok) return this.failNode(ns, params.error, true);
    const p = (params.value ?? {}) as Record<string, unknown>;
    switch (pn.control) {
      case undefined:
        this.commands.push({
          type: 'execute',
          path: ns.path,
          nodeId: ns.nodeId,
          nodeType: pn.type,
          attempt: ns.attempts,
          params: params.value,
          idempotencyKey: `${this.meta.runId}:${ns.path}`,
          timeoutMs: pn.timeoutMs,
        });
        return;
      case 'subworkflow':
        return this.startChild(ns, p);
      case 'wait':
        return this.startWait(ns, p);
      case 'human':
        return this.startHuman(ns, p);
      case 'foreach':
        return this.startForeach(ns, pn, p);
      case 'loop':
        ns.iteration = 0;
        ns.limit = typeof p['max_iterations'] === 'number' ? p['max_iterations'] : 100;
        return this.nextIteration(ns, null);
    }
  }

  startChild(ns: NodeState, p: Record<string, unknown>): void {
    ns.childRunId = derivedId(`${this.meta.runId}:${ns.path}:${ns.failures}`);
    this.commands.push({
      type: 'start-child',
      path: ns.path,
      childRunId: ns.childRunId,
      workflow: String(p['workflow']),
      version: typeof p['version'] === 'number' ? p['version'] : undefined,
      input: p['input'] ?? {},
    });
  }

  park(ns: NodeState, data: NodeEventData['node.waiting']): void {
    ns.status = 'waiting';
    this.meta.parked++;
    this.touch(ns.path);
    this.emit('node.waiting', ns.path, data);
  }

  addTimer(ns: NodeState, kind: string, dueAt: number): string {
    const id = `${this.meta.runId}:${ns.path}#${kind}${ns.attempts}`;
    this.commands.push({
      type: 'timer',
      timer: { id, runId: this.meta.runId, dueAt, kind, path: ns.path },
    });
    return id;
  }

  startWait(ns: NodeState, p: Record<string, unknown>): void {
    const due = this.evaluate(() =>
      p['until'] !== undefined
        ? parseTimestamp(p['until'])
        : this.at + parseDuration(p['duration']),
    );
    if (!due.ok) return this.failNode(ns, due.error, true);
    ns.timerId = this.addTimer(ns, 'wait', due.value);
    this.park(ns, { until: new Date(due.value).toISOString() });
  }

  startHuman(ns: NodeState, p: Record<string, unknown>): void {
    const data: NodeEventData['node.waiting'] = { prompt: p['prompt'] };
    if (p['schema'] !== undefined) data.schema = p['schema'];
    if (p['timeout'] !== undefined) {
      const ms = this.evaluate(() => parseDuration(p['timeout']));
      if (!ms.ok) return this.failNode(ns, ms.error, true);
      ns.timerId = this.addTimer(ns, 'human-timeout', this.at + ms.value);
      data.timeout_at = new Date(this.at + ms.value).toISOString();
    }
    this.park(ns, data);
  }

  startForeach(ns: NodeState, pn: PlanNode, p: Record<string, unknown>): void {
    const itemsExpr = pn.foreachItems;
    if (itemsExpr === undefined) {
      return this.failNode(ns, { code: 'invalid_params', message: 'foreach needs `items`' }, true);
    }
    const items = this.evaluate(() =>
      toPlainJson(itemsExpr.evaluate(this.scopeOf(ns.frame), { now: this.at })),
    );
    if (!items.ok) return this.failNode(ns, items.error, true);
    const list = items.value === undefined ? [] : items.value;
    if (!Array.isArray(list)) {
      return this.failNode(
        ns,
        { code: 'invalid_items', message: `foreach items must be an array, got ${typeof list}` },
        true,
      );
    }
    ns.items = list;
    ns.started = 0;
    ns.done = 0;
    ns.limit = typeof p['concurrency'] === 'number' && p['concurrency'] > 0 ? p['concurrency'] : 1;
    if (list.length === 0) return this.completeNode(ns, []);
    this.fillForeach(ns);
  }

  fillForeach(ns: NodeState): void {
    const items = ns.items ?? [];
    while (
      (ns.started ?? 0) < items.length &&
      (ns.started ?? 0) - (ns.done ?? 0) < (ns.limit ?? 1)
    ) {
      const index = ns.started ?? 0;
      ns.started = index + 1;
      this.createFrame(ns, framePath(ns.path, index), { item: items[index], index });
    }
    this.touch(ns.path);
  }

  nextIteration(ns: NodeState, previous: unknown): void {
    ns.iteration = (ns.iteration ?? 0) + 1;
    this.touch(ns.path);
    this.createFrame(ns, framePath(ns.path, ns.iteration), { iteration: ns.iteration, previous });
  }

  createFrame(owner: NodeState, path: string, vars: Record<string, unknown>): void {
    const body = this.planNode(owner).body;
    if (body === undefined) throw new WeftError('internal', `${owner.path} has no body`);
    const fs: FrameState = {
      kind: 'frame',
      path,
      owner: owner.path,
      nodeId: owner.nodeId,
      status: 'running',
      open: body.nodes.length,
      vars,
    };
    this.state.nodes.set(path, fs);
    this.state.graphs.set(path, body);
    this.touch(path);
    if (body.nodes.length === 0) return this.completeFrame(fs);
    this.startFrame(path);
  }

  // ---- finishing --------------------------------------------------------------------------

  /** Frees what a node held while it ran or waited. */
  release(ns: NodeState): void {
    const pn = this.planNode(ns);
    if (ns.status === 'running' && takesSlot(pn)) this.meta.executing--;
    if (ns.status === 'waiting') {
      this.meta.parked--;
      if (ns.timerId !== undefined) this.commands.push({ type: 'cancel-timer', id: ns.timerId });
      ns.timerId = undefined;
    }
  }

  completeNode(ns: NodeState, output: unknown, port = 'out'): void {
    this.release(ns);
    ns.status = 'succeeded';
    ns.output = output;
    ns.port = port;
    ns.finishedAt = this.iso;
    this.touch(ns.path);
    this.scopeOf(ns.frame)[ns.nodeId] = toScopeValue(output);
    const data: NodeEventData['node.succeeded'] = { output, attempts: ns.attempts };
    if (port !== 'out') data.port = port;
    this.emit('node.succeeded', ns.path, data);
    this.finishNode(ns, port);
  }

  skip(ns: NodeState, reason: 'when' | 'branch'): void {
    ns.status = 'skipped';
    ns.finishedAt = this.iso;
    this.touch(ns.path);
    this.emit('node.skipped', ns.path, { reason });
    this.finishNode(ns, null);
  }

  /**
   * A `message` node's text is released only after the messages of the message nodes before it
   * in graph order; until then it is held in the node's state.
   */
  message(ns: NodeState, text: string): void {
    const graph = this.graphOf(ns.frame);
    if (this.planNode(ns).type !== 'message') return this.emit('message', ns.path, { text });
    for (const i of graph.messageOrder) {
      if (i === ns.index) return this.emit('message', ns.path, { text });
      const before = this.state.nodes.get(childPath(ns.frame, graph.nodes[i]?.id ?? ''));
      if (before?.kind !== 'node' || !isNodeFinished(before.status) || before.held !== undefined) {
        ns.held = [...(ns.held ?? []), text];
        this.touch(ns.path);
        return;
      }
    }
  }

  /** Releases held messages whose predecessors in graph order are all done. */
  releaseMessages(frame: string): void {
    const graph = this.graphOf(frame);
    for (const i of graph.messageOrder) {
      const ns = this.state.nodes.get(childPath(frame, graph.nodes[i]?.id ?? ''));
      if (ns?.kind !== 'node') return;
      if (ns.held !== undefined) {
        for (const text of ns.held) this.emit('message', ns.path, { text });
        delete ns.held;
        this.touch(ns.path);
      }
      if (!isNodeFinished(ns.status)) return;
    }
  }

  /** Resolves the node's outgoing edges (taken when their port is `port`) and its frame. */
  finishNode(ns: NodeState, port: string | null): void {
    const graph = this.graphOf(ns.frame);
    if (graph.messageOrder.length > 0 && this.planNode(ns).type === 'message') {
      this.releaseMessages(ns.frame);
    }
    for (const e of this.planNode(ns).outEdges) {
      const edge = graph.edges[e];
      if (edge === undefined) continue;
      const target = this.node(ns.frame, edge.to);
      const taken = port !== null && edge.port === port;
      this.defer(() => this.resolveEdge(target, taken));
    }
    this.defer(() => {
      this.pump();
      const fs = this.frameState(ns.frame);
      fs.open--;
      this.touch(fs.path);
      if (fs.open === 0 && fs.status === 'running') this.completeFrame(fs);
    });
  }

  completeFrame(fs: FrameState): void {
    const output = graphOutput(this.graphOf(fs.path), fs.path, this.state.nodes);
    fs.status = 'succeeded';
    fs.output = output;
    this.touch(fs.path);
    if (fs.path === '') return this.completeRun(output);
    const owner = this.nodeState(fs.owner);
    const pn = this.planNode(owner);
    if (pn.control === 'foreach') {
      owner.done = (owner.done ?? 0) + 1;
      const items = owner.items ?? [];
      if (owner.done < items.length) return this.fillForeach(owner);
      const outputs = items.map((_, i) => {
        const f = this.state.nodes.get(framePath(owner.path, i));
        return f?.kind === 'frame' ? f.output : undefined;
      });
      return this.completeNode(owner, outputs);
    }
    const whileExpr = pn.loopWhile;
    const again =
      whileExpr === undefined
        ? ({ ok: true, value: false } as const)
        : this.evaluate(() => whileExpr.evaluate(this.scopeOf(fs.path), { now: this.at }));
    if (!again.ok) return this.failNode(owner, again.error, true);
    if (toBoolean(again.value) && (owner.iteration ?? 0) < (owner.limit ?? 100)) {
      return this.nextIteration(owner, output);
    }
    this.completeNode(owner, { output, iterations: owner.iteration ?? 0 });
  }

  completeRun(frameOutput: unknown): void {
    let output = frameOutput;
    if (this.plan.outputs !== undefined) {
      const outputs = this.plan.outputs;
      const r = this.evaluate(() =>
        toPlainJson(outputs.evaluate(this.scopeOf(''), { now: this.at })),
      );
      if (!r.ok)
        return this.failRun({ code: 'output_error', message: `outputs: ${r.error.message}` });
      output = r.value;
    }
    this.meta.status = 'succeeded';
    this.meta.output = output;
    this.meta.finishedAt = this.iso;
    this.disarmRunTimeout();
    this.emit('run.succeeded', undefined, { output });
    this.commands.push({ type: 'finished', status: 'succeeded' });
  }

  // ---- failing ----------------------------------------------------------------------------

  /**
   * One attempt failed. Retries when the error is retryable and attempts remain (unless `final`);
   * otherwise applies the node's on_error.
   */
  failNode(ns: NodeState, error: AttemptError, final = false): void {
    const pn = this.planNode(ns);
    this.release(ns);
    ns.failures++;
    this.touch(ns.path);
    const { retryable, ...info } = error;
    if (!final && retryable === true && ns.failures < pn.retry.maxAttempts) {
      const delay = Math.max(
        backoffDelay(pn.retry, ns.failures, `${this.meta.runId}:${ns.path}`),
        Math.min(info.retry_after_ms ?? 0, 24 * 3_600_000),
      );
      ns.status = 'pending';
      ns.retryAt = new Date(this.at + delay).toISOString();
      this.meta.backoff++;
      this.addTimer(ns, 'retry', this.at + delay);
      this.emit('node.retrying', ns.path, { attempt: ns.attempts, delay_ms: delay, error: info });
      this.pump();
      return;
    }
    ns.error = info;
    ns.finishedAt = this.iso;
    ns.status = 'failed';
    const onError = pn.onError;
    if (onError.kind === 'fail') {
      this.emit('node.failed', ns.path, { error: info, attempts: ns.attempts });
      return this.failFrame(ns.frame, info, ns);
    }
    ns.handled = onError.kind;
    ns.output = onError.kind === 'return' ? onError.value : null;
    const errorView = { code: info.code, message: info.message };
    this.scopeOf(ns.frame)[ns.nodeId] = toScopeValue(
      onError.kind === 'return' ? onError.value : { error: errorView },
    );
    this.emit('node.failed', ns.path, { error: info, attempts: ns.attempts, handled: true });
    this.finishNode(ns, onError.kind === 'branch' ? 'error' : 'out');
  }

  failFrame(frame: string, error: ErrorInfo, culprit: NodeState): void {
    if (frame === '') return this.failRun(error);
    const fs = this.frameState(frame);
    if (fs.status !== 'running') return;
    fs.status = 'failed';
    fs.error = error;
    this.touch(frame);
    const owner = this.nodeState(fs.owner);
    this.cancelWork(`${owner.path}[`, 'run_failed');
    const where = culprit.path.slice(owner.path.length);
    const message = `${where}: ${error.message}`;
    this.failNode(owner, { code: error.code, message, cause: causeOf(error) }, true);
  }

  failRun(error: ErrorInfo): void {
    this.cancelWork('', 'run_failed');
    this.meta.status = 'failed';
    this.meta.error = error;
    this.meta.finishedAt = this.iso;
    this.disarmRunTimeout();
    this.emit('run.failed', undefined, { error });
    this.commands.push({ type: 'finished', status: 'failed' });
  }

  /** Cancels everything in flight under a path prefix ('' for the whole run). */
  cancelWork(prefix: string, reason: 'cancelled' | 'run_failed'): void {
    for (const s of this.state.nodes.values()) {
      if (!s.path.startsWith(prefix)) continue;
      if (s.kind === 'frame') {
        if (s.status === 'running' && s.path !== '') {
          s.status = 'cancelled';
          this.touch(s.path);
        }
        continue;
      }
      this.cancelNode(s, reason);
    }
    if (prefix === '') this.meta.queue = [];
    else this.meta.queue = this.meta.queue.filter((p) => !p.startsWith(prefix));
  }

  cancelNode(ns: NodeState, reason: 'cancelled' | 'run_failed'): void {
    const inBackoff = ns.status === 'pending' && ns.retryAt !== undefined;
    if (ns.queued === true) {
      ns.queued = false;
      this.touch(ns.path);
    }
    if (ns.status !== 'running' && ns.status !== 'waiting' && !inBackoff) return;
    const pn = this.planNode(ns);
    if (ns.status === 'running' && pn.control === undefined) {
      this.commands.push({ type: 'abort', path: ns.path, reason });
    }
    if (ns.status === 'running' && pn.control === 'subworkflow' && ns.childRunId !== undefined) {
      this.commands.push({ type: 'cancel-child', childRunId: ns.childRunId });
    }
    if (inBackoff) {
      this.meta.backoff--;
      this.commands.push({
        type: 'cancel-timer',
        id: `${this.meta.runId}:${ns.path}#retry${ns.attempts}`,
      });
      ns.retryAt = undefined;
    }
    this.release(ns);
    ns.status = 'cancelled';
    ns.finishedAt = this.iso;
    this.touch(ns.path);
    this.emit('node.cancelled', ns.path, { reason });
  }

  /** Recomputes running/waiting after a decision and reports the change. */
  settleStatus(): void {
    const m = this.meta;
    if (isTerminal(m.status)) return;
    const next = m.paused
      ? 'paused'
      : m.executing > 0 || m.backoff > 0 || m.parked === 0
        ? 'running'
        : 'waiting';
    if (next === m.status) return;
    m.status = next;
    if (next === 'waiting') this.emit('run.waiting');
  }
}

/** The expression scope of a frame: its own entries over its parent frame's (prototype chain). */
export function scopeOf(state: RunState, frame: string, plan: Plan): Record<string, unknown> {
  const cached = state.scopes.get(frame);
  if (cached !== undefined) return cached;
  let scope: Record<string, unknown>;
  if (frame === '') {
    const m = state.meta;
    scope = Object.create(null) as Record<string, unknown>;
    scope['inputs'] = toScopeValue(m.input ?? {});
    scope['run'] = toScopeValue({
      id: m.runId,
      workflow: m.workflowId,
      version: m.version,
      attempt: m.attempt,
      started_at: m.startedAt ?? null,
    });
  } else {
    const fs = state.nodes.get(frame);
    if (fs?.kind !== 'frame') throw new WeftError('internal', `no frame state at ${frame}`);
    const owner = state.nodes.get(fs.owner);
    if (owner?.kind !== 'node') throw new WeftError('internal', `no owner for ${frame}`);
    scope = Object.create(scopeOf(state, owner.frame, plan)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(fs.vars)) scope[k] = toScopeValue(v);
  }
  state.scopes.set(frame, scope);
  return scope;
}

/** What a finished node exposes to the expressions downstream of it. */
export function scopeEntry(ns: NodeState): unknown {
  if (ns.status === 'succeeded') return ns.output;
  if ((ns.handled === 'continue' || ns.handled === 'branch') && ns.error !== undefined) {
    return { error: { code: ns.error.code, message: ns.error.message } };
  }
  return ns.output;
}

/** Refills the derived caches of a state loaded from the store. */
export function hydrate(plan: Plan, state: RunState): void {
  state.scopes.clear();
  state.graphs.clear();
  for (const s of state.nodes.values()) {
    if (s.kind === 'node' && hasOutput(s)) {
      scopeOf(state, s.frame, plan)[s.nodeId] = toScopeValue(scopeEntry(s));
    }
  }
}

/** Paths of the run's nodes that wait for an answer from outside (human nodes). */
export function awaitingAnswer(plan: Plan, state: RunState): string[] {
  const d = new Decider(plan, state, 0);
  const paths: string[] = [];
  for (const s of state.nodes.values()) {
    if (s.kind === 'node' && s.status === 'waiting' && d.planNode(s).control === 'human') {
      paths.push(s.path);
    }
  }
  return paths;
}
