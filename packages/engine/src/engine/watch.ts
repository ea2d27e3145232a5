/**
 * @module engine/watch
 * Reading runs: the run as the API shows it, waiting until a run settles, and its events, stored
 * then live.
 */
import {
  isTerminal,
  isTerminalEvent,
  machineIdle,
  runLogicOf,
  toNodeRecord,
  toRunRecord,
  WeftError,
  type Plan,
  type RunEvent,
  type RunState,
  type Store,
} from '@weft/core';
import type { ActiveRun, Runner } from '../runtime/runner.js';
import { runView, type RunView } from '../run-view.js';
import type { Definitions } from './definitions.js';

export interface WatchDeps {
  store: Store;
  runner: Pick<Runner, 'subscribe' | 'flush' | 'active' | 'uncommitted'>;
  definitions: Pick<Definitions, 'planOf'>;
  /**
   * On a store many processes share: calls the listener after each commit of the run made by any
   * of them (a run another worker carries never reaches this process's runner).
   */
  changes?: (runId: string, listener: (seq: number) => void) => () => void;
}

export class Watch {
  readonly #deps: WatchDeps;

  constructor(deps: WatchDeps) {
    this.#deps = deps;
  }

  async wait(runId: string, options: { until?: 'idle' | 'finished' } = {}): Promise<RunView> {
    const done = (plan: Plan, state: RunState) =>
      settled(plan, state, options.until === 'finished');
    const { runner, store, definitions } = this.#deps;
    const outcome = await new Promise<Settled>((resolve, reject) => {
      // The last seq this process saw committed: the bus tells of its own commits too.
      let seen = 0;
      // Settled: a check still reading has nothing left to find.
      let over = false;
      const unsubscribe = runner.subscribe(runId, (events, run) => {
        seen = Math.max(seen, events.at(-1)?.seq ?? 0);
        if (done(run.plan, run.state)) finish({ run });
      });
      // Another worker's commits reach this process as a change to read from the store.
      const stopChanges = this.#deps.changes?.(runId, (seq) => {
        if (seq <= seen) return;
        check().then((found) => found !== undefined && finish(found), fail);
      });
      const finish = (found: Settled) => {
        over = true;
        unsubscribe();
        stopChanges?.();
        resolve(found);
      };
      const fail = (e: unknown) => {
        over = true;
        unsubscribe();
        stopChanges?.();
        reject(e);
      };
      // Subscribed first, then checked: a run that settles in between is not missed.
      const check = async (): Promise<Settled | undefined> => {
        // A run ahead of its rows (held, or let go at a decision not committed yet) is read once
        // they catch up: from memory, or by the subscription above as the commit lands.
        do {
          await runner.flush();
          if (over) return undefined;
        } while (runner.uncommitted(runId));
        const live = runner.active(runId);
        if (live !== undefined) return done(live.plan, live.state) ? { run: live } : undefined;
        const rows = await store.loadRun(runId);
        if (rows === undefined) throw new WeftError('not_found', `no run ${runId}`);
        const plan = await definitions.planOf(
          rows.run.tenant,
          rows.run.workflowId,
          rows.run.version,
        );
        const state = runLogicOf(plan).load(plan, rows.run, rows.nodes);
        return done(plan, state) ? { view: runView(rows.run, rows.nodes, plan) } : undefined;
      };
      check().then((found) => found !== undefined && finish(found), fail);
    });
    if ('view' in outcome) return outcome.view;
    // A run the runner let go of at the commit that settled it holds exactly what was committed,
    // and nothing changes it any more; one still held with nothing to commit holds what its rows
    // do: either's view is the one a read of the store would give. One still held may be ahead of
    // its rows: it is read like any other.
    if (runner.active(runId) !== outcome.run || !runner.uncommitted(runId)) {
      return liveView(outcome.run);
    }
    const view = await this.get(runId);
    if (view === undefined) throw new WeftError('not_found', `no run ${runId}`);
    return view;
  }

  async get(runId: string, options: { tenant?: string } = {}): Promise<RunView | undefined> {
    await this.#deps.runner.flush();
    const rows = await this.#deps.store.loadRun(runId);
    if (rows === undefined) return undefined;
    if (options.tenant !== undefined && rows.run.tenant !== options.tenant) return undefined;
    // A run whose version cannot be compiled any more is still shown, without its plan's details.
    const plan = await this.#deps.definitions
      .planOf(rows.run.tenant, rows.run.workflowId, rows.run.version)
      .catch(() => undefined);
    return runView(rows.run, rows.nodes, plan);
  }

  async *events(
    runId: string,
    options: { after?: number; follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<RunEvent> {
    const live: RunEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.#deps.runner.subscribe(runId, (events) => {
      live.push(...events);
      wake?.();
    });
    // Set when the store holds events this process did not see committed: another worker's.
    let pull = false;
    let last = options.after ?? 0;
    const stopChanges = this.#deps.changes?.(runId, (seq) => {
      if (seq <= last || live.some((e) => e.seq >= seq)) return;
      pull = true;
      wake?.();
    });
    // A reader that went away must not keep a subscription until the run's next event.
    const { signal } = options;
    const onAbort = () => wake?.();
    const stopped = () => signal?.aborted === true;
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const e of await this.#deps.store.readEvents(runId, last)) {
        yield e;
        last = e.seq;
      }
      const record = await this.#deps.store.getRun(runId);
      if (record === undefined) throw new WeftError('not_found', `no run ${runId}`);
      if (options.follow === false) return;
      if (isTerminal(record.status) && record.seq <= last) return;
      for (;;) {
        if (pull) {
          pull = false;
          for (const e of await this.#deps.store.readEvents(runId, last)) {
            yield e;
            last = e.seq;
            if (isTerminalEvent(e)) return;
          }
        }
        while (live.length > 0) {
          const e = live.shift()!;
          if (e.seq <= last) continue;
          // A run that came here from another worker: what that one committed is read first.
          if (e.seq > last + 1 && stopChanges !== undefined) {
            live.unshift(e);
            pull = true;
            break;
          }
          yield e;
          last = e.seq;
          if (isTerminalEvent(e)) return;
        }
        if (pull) continue;
        if (stopped()) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (stopped()) return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      stopChanges?.();
    }
  }
}

/** What a waiter saw settle: a run in memory, or the view of one read from the store. */
type Settled = { run: ActiveRun } | { view: RunView };

/** The run view of a run in memory, built from the records a commit of it writes. */
function liveView(run: ActiveRun): RunView {
  const nodes = [];
  for (const s of run.state.nodes.values()) nodes.push(toNodeRecord(run.identity.id, s));
  return runView(toRunRecord(run.identity, run.state.meta), nodes, run.plan);
}

/**
 * Whether a waiter may stop waiting: the run finished or, unless only the finish counts, it cannot
 * go on without someone (paused, or waiting for a human answer) and nothing of it is in flight.
 */
function settled(plan: Plan, state: RunState, finishedOnly: boolean): boolean {
  const m = state.meta;
  if (isTerminal(m.status)) return true;
  if (finishedOnly || m.executing > 0 || m.backoff > 0) return false;
  return (
    m.status === 'paused' ||
    (m.status === 'waiting' &&
      // An idle state machine waits for its events, as a human node for its answer.
      ((m.machine !== undefined && machineIdle(m.machine)) ||
        runLogicOf(plan).awaitingAnswer(plan, state).length > 0))
  );
}
