/**
 * @module runtime/runner
 * The shell around a run's logic (chosen by its plan's kind, see `RunLogic`): it feeds inputs to
 * the decision function, writes each batch of decisions to the store in one transaction (group
 * commit), and only then carries out their commands: node executions, timers, child runs. Results
 * come back as new inputs.
 *
 * Runs are held in memory only while they have work in flight; a waiting or finished run lives in
 * the store alone and is loaded again when a timer, an answer or a control call reaches it.
 *
 * A decision that throws partway (anything but a refusal, see `isRefusal`) may have left the run's
 * memory half-changed: the run is dropped and loaded again from its last commit, where the node the
 * input was about fails with the error; should that throw too, the run ends `failed`. A run never
 * stays `running` with no one to move it.
 */
import { splitAllowEnv } from '@weft/nodes';
import {
  WeftError,
  concurrencyKeyOf,
  isRefusal,
  isTerminalEvent,
  isTerminal,
  runLogicOf,
  silentLogger,
  systemClock,
  toNodeRecord,
  toErrorInfo,
  toRunRecord,
  toWeftError,
  type Clock,
  type Command,
  type ConcurrencyKey,
  type CredentialResolver,
  type Decision,
  type ErrorInfo,
  type Logger,
  type NodeRecord,
  type NodeRegistry,
  type Plan,
  type RunEvent,
  type RunIdentity,
  type RunRecord,
  type RunClaim,
  type RunWrite,
  type Store,
  type TimerRecord,
} from '@weft/core';
import type { ActiveRun, RunnerInput } from './active-run.js';
import type { ClusterHost, ClusterMember } from './cluster.js';
import { executeNode, type ExecuteEnv } from './execute.js';
import { CommitQueue, type PendingWrite } from './commit-queue.js';
import { KeyTurns } from './key-turns.js';
import type { RecordedSteps } from './sub-steps.js';
import { abandonmentOf, rejectionOf, subjectOf } from './rejection.js';
import { TimerWheel } from './timers.js';

/** Creates and finds child runs for `subworkflow` nodes; the engine's `ChildRuns` implements it. */
export interface ChildRuns {
  start(parent: ActiveRun, command: Extract<Command, { type: 'start-child' }>): Promise<void>;
}

export interface RunnerOptions {
  store: Store;
  registry: NodeRegistry;
  /** The compiled plan of a stored workflow version. */
  loadPlan(tenant: string, workflowId: string, version: number): Promise<Plan>;
  clock?: Clock;
  log?: Logger;
  credentials?: (tenant: string) => CredentialResolver;
  services?: Record<string, unknown>;
  children?: ChildRuns;
  /** Largest node output, in bytes of JSON. @default 4 MiB */
  maxOutputBytes?: number;
  /** Deepest nesting of arrays and objects in a node output. @default 64 */
  maxDepth?: number;
  /**
   * Executions of one node that may die with the process before recovery fails the node with
   * `process_crashed` instead of running it again. @default 3
   */
  maxNodeCrashes?: number;
  /**
   * This process as one of many workers on a shared store: runs are held under claims, inputs for
   * runs another worker holds go to it, and only claimed runs are carried on at start.
   */
  cluster?: ClusterMember;
}

export type { ActiveRun, RunnerInput } from './active-run.js';

/** Unfinished runs read per store call when the runner starts. */
const RECOVERY_CHUNK = 1000;

/** How long an input waits for a run that another worker keeps busy before `run_busy`. */
const BUSY_WAIT_MS = 30_000;

/** A decision that changes nothing: its commit lets go of a run on a shared store. */
const NOTHING: Decision = { events: [], commands: [], dirty: new Set(), removed: new Set() };

/** The run is held by another live worker (a shared store): inputs for it go there. */
class HeldElsewhere extends Error {
  constructor(readonly holder: string) {
    super(`held by ${holder}`);
  }
}

export type RunListener = (events: readonly RunEvent[], run: ActiveRun) => void;

export class Runner {
  readonly #o: RunnerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #active = new Map<string, ActiveRun>();
  readonly #loading = new Map<string, Promise<ActiveRun>>();
  readonly #writes: CommitQueue;
  /** Draining for shutdown: no new node execution or child run starts; timers are stopped. */
  #draining = false;
  #closed = false;
  readonly #listeners = new Map<string, Set<RunListener>>();
  readonly #allListeners = new Set<RunListener>();
  readonly #timers: TimerWheel;
  readonly #env: ExecuteEnv;
  readonly #turns: KeyTurns;
  /**
   * On a member that claims nothing: the unfinished runs that are this process's own (started
   * here, or reached by an input given here), whose timers it fires; and those of them that wait
   * `queued` under a concurrency key, which it starts when their key has room.
   */
  readonly #own = new Set<string>();
  readonly #ownKeyed = new Map<string, { tenant: string; keyed: ConcurrencyKey }>();
  /** Commits made and decisions they carried: the group-commit figures. */
  readonly stats = { commits: 0, decisions: 0, events: 0 };

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
    this.#writes = new CommitQueue({
      inFlight: options.store.commitsInFlight ?? 1,
      commit: (batch) => this.#commit(batch),
      log: this.#log,
    });
    this.#timers = new TimerWheel({
      store: options.store,
      clock: this.#clock,
      fire: (t) => this.#fireTimer(t),
      log: this.#log,
    });
    this.#env = {
      registry: options.registry,
      clock: this.#clock,
      log: this.#log,
      maxOutputBytes: options.maxOutputBytes ?? 4 * 1024 * 1024,
      maxDepth: options.maxDepth ?? 64,
      services: options.services ?? {},
      credentials: options.credentials,
      deliver: (run, input) => this.#deliverNow(run, input),
      commit: async (run, input) => {
        this.#deliverNow(run, input);
        await this.flush();
        if (run.failure !== undefined) throw toWeftError(run.failure);
      },
      recordedSteps: (run, path, count) => this.#recordedSteps(run.identity.id, path, count),
      rates: options.store,
      budgets: options.store,
    };
    this.#turns = new KeyTurns({
      store: options.store,
      cluster: options.cluster,
      log: this.#log,
      start: async (runId) => {
        await this.send(runId, { type: 'start' });
      },
    });
  }

  /**
   * Starts timers and carries on every run that was in flight when the process stopped. A child
   * run whose parent has finished (its cancel was lost in the stop) is cancelled instead.
   */
  async start(): Promise<number> {
    const cluster = this.#o.cluster;
    if (cluster !== undefined) {
      await this.#timers.start();
      await cluster.start(this.#clusterHost());
      return this.#active.size;
    }
    const ids = await this.#o.store.runIdsByStatus(['queued', 'running', 'paused']);
    // A parent among these is unfinished: its children need no read to tell.
    const unfinished = new Set(ids);
    // Read in chunks, a few queries each; their decisions go to the store in one group commit.
    for (let i = 0; i < ids.length; i += RECOVERY_CHUNK) {
      for (const run of await this.#loadMany(ids.slice(i, i + RECOVERY_CHUNK))) {
        if (await this.#orphaned(run, unfinished)) {
          this.#feed(run, { type: 'cancel', reason: 'parent run stopped' });
          continue;
        }
        if (run.state.meta.status === 'queued') {
          this.#waitTurn(run);
          continue;
        }
        const decision = this.#feed(run, { type: 'recover', crashLimit: this.#crashLimit });
        if (decision !== undefined) this.#logCrashed(run, decision);
      }
    }
    await this.#timers.start();
    await this.flush();
    return ids.length;
  }

  get #crashLimit(): number {
    return this.#o.maxNodeCrashes ?? 3;
  }

  async #orphaned(run: ActiveRun, unfinished: ReadonlySet<string>): Promise<boolean> {
    const parentId = run.identity.parentRunId;
    if (parentId === undefined || unfinished.has(parentId)) return false;
    const parent = await this.#o.store.getRun(parentId);
    return parent === undefined || isTerminal(parent.status);
  }

  /** Says which nodes recovery failed for having died with the process too often. */
  #logCrashed(run: ActiveRun, decision: Decision): void {
    for (const e of decision.events) {
      // The node itself: a foreach or loop it failed in turn carries its error as the cause.
      if (e.type !== 'node.failed' || e.data.error.code !== 'process_crashed') continue;
      if (e.data.error.cause !== undefined) continue;
      this.#log.error(
        { runId: run.identity.id, node: e.node, code: 'process_crashed' },
        `node ${e.node} of run ${run.identity.id} failed with process_crashed: ${e.data.error.message}`,
      );
    }
  }

  /**
   * Creates a run and starts it; resolves once its start is committed. A child run inherits its
   * parent's allow-list (`hostAllow`) and is one `depth` below it.
   */
  async create(
    identity: RunIdentity,
    plan: Plan,
    input: unknown,
    inherited: { hostAllow?: readonly string[]; depth?: number } = {},
    singletonKey?: string,
  ): Promise<ActiveRun> {
    this.#checkTakesPart();
    // The operator's allow-list goes with the run, for whichever process carries it on later.
    const fromEnv = splitAllowEnv(process.env['WEFT_HTTP_ALLOW']);
    const kept = inherited.hostAllow ?? [];
    const hostAllow =
      fromEnv.length + kept.length === 0 ? fromEnv : [...new Set([...fromEnv, ...kept])];
    const state = runLogicOf(plan).initialState({
      runId: identity.id,
      workflowId: identity.workflowId,
      version: identity.version,
      input,
      ...(hostAllow.length > 0 ? { hostAllow } : {}),
      ...(inherited.depth !== undefined ? { depth: inherited.depth } : {}),
    });
    const run: ActiveRun = { identity, plan, state, controllers: new Map(), stored: false };
    if (singletonKey !== undefined) run.singletonKey = singletonKey;
    const keyed = concurrencyKeyOf(plan, state, this.#clock.now());
    if (keyed !== undefined) run.concurrency = keyed;
    const cluster = this.#o.cluster;
    if (cluster !== undefined) run.claim = 1;
    if (cluster?.claims === false) this.#own.add(identity.id);
    if (keyed !== undefined) return this.#createKeyed(run, keyed);
    if (cluster?.full(this.#active.size) === true) {
      // This worker has its share: the run waits `queued` for whichever worker is free first.
      this.#active.set(identity.id, run);
      this.#record(run, NOTHING);
      await this.flush();
      if (run.failure !== undefined) throw toWeftError(run.failure);
      return run;
    }
    this.#active.set(identity.id, run);
    try {
      this.#process(run, { type: 'start' });
    } catch (e) {
      // Nothing of the run was stored: there is nothing to go back to.
      this.#evict(run, true);
      throw isRefusal(e) ? e : rejectionOf({ type: 'start' }, e);
    }
    await this.flush();
    if (run.failure !== undefined) throw toWeftError(run.failure);
    return run;
  }

  /**
   * A run under a concurrency key is stored `queued` with its key before anything else, then
   * started if its key has room: by this process alone on its store, by the database's admission
   * of claims on a shared one.
   */
  async #createKeyed(run: ActiveRun, keyed: ConcurrencyKey): Promise<ActiveRun> {
    const { id, tenant } = run.identity;
    const store = async (hold: boolean) => {
      run.holdClaim = hold;
      this.#active.set(id, run);
      this.#record(run, NOTHING);
      await this.flush();
      if (run.failure !== undefined) throw toWeftError(run.failure);
    };
    if (this.#o.cluster !== undefined) {
      // Held while its key is written: a run queued with no key would be claimed as one without.
      await store(true);
      await this.#o.store.keyRun(id, keyed.key, keyed.limit);
      await store(false);
      if (this.#o.cluster.claims === false) {
        this.#ownKeyed.set(id, { tenant, keyed });
        this.#o.cluster.claimSoon();
      }
      return run;
    }
    return this.#turns.withKey(tenant, keyed, async () => {
      await store(false);
      await this.#o.store.keyRun(id, keyed.key, keyed.limit);
      await this.#turns.admit(tenant, keyed);
      return this.#active.get(id) ?? run;
    });
  }

  /** A queued run found at start or claimed: it waits for its key's turn, or starts now. */
  #waitTurn(run: ActiveRun, admitted = false): void {
    const keyed = run.concurrency;
    if (keyed === undefined || admitted) {
      this.#feed(run, { type: 'start' });
      return;
    }
    if (this.#o.cluster === undefined) {
      this.#evict(run, true);
      return this.#turns.freed(run.identity.tenant, keyed);
    }
    // Its holder died before it was let go: it goes back to wait for the database's admission.
    void this.#o.store.keyRun(run.identity.id, keyed.key, keyed.limit).then(
      () => this.#record(run, NOTHING),
      (e: unknown) => this.#log.error({ err: e, runId: run.identity.id }, 'could not queue a run'),
    );
  }

  /**
   * Sends an input to a run (loading it if needed) and resolves when the decision is committed.
   * Illegal moves reject with WeftError and change nothing.
   */
  async send(
    runId: string,
    input: RunnerInput,
    how: { forward?: boolean } = {},
  ): Promise<'here' | 'elsewhere'> {
    this.#checkTakesPart();
    const run = await this.#loadOrForward(runId, input, how.forward !== false);
    if (run === undefined) return 'elsewhere';
    if (this.#o.cluster?.claims === false) this.#own.add(runId);
    // Asked after a failed commit: a run that was loaded and carried on meanwhile needs none.
    if (input.type === 'recover' && run.fresh !== true) return 'here';
    try {
      this.#process(run, input);
    } catch (e) {
      if (!isRefusal(e)) throw this.#reject(run, input, e);
      this.#letGoIfIdle(run);
      throw e;
    }
    await this.flush();
    if (run.failure !== undefined) throw toWeftError(run.failure);
    return 'here';
  }

  /**
   * The run in memory, loaded (and on a shared store, claimed) if need be. When another worker
   * holds it, `input` is handed to that worker and undefined returned once it took it; with
   * `forward` false (a timer, which the holder fires itself) nothing is handed on.
   */
  async #loadOrForward(
    runId: string,
    input: RunnerInput,
    forward: boolean,
  ): Promise<ActiveRun | undefined> {
    const deadline = performance.now() + BUSY_WAIT_MS;
    for (;;) {
      try {
        const run = await this.#load(runId);
        if (run === undefined) throw new WeftError('not_found', `no run ${runId}`);
        return run;
      } catch (e) {
        if (!(e instanceof HeldElsewhere)) throw e;
        if (!forward) return undefined;
        const taken = await this.#o.cluster!.forward(runId, input, e.holder).catch((f: unknown) => {
          // Too large for the bus: wait for the holder to let go of the run instead.
          if (WeftError.is(f) && f.code === 'payload_too_large') return false;
          throw f;
        });
        if (taken) return undefined;
        if (performance.now() >= deadline) {
          throw new WeftError(
            'run_busy',
            `run ${runId} is held by worker ${e.holder}, which did not take the input; try again`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Carries on a run whose process died here, unless a live worker holds it (see `send`). */
  async carryOn(runId: string): Promise<void> {
    await this.send(runId, { type: 'recover', crashLimit: this.#crashLimit });
  }

  /** Listens to the committed events of a run. Returns the unsubscribe function. */
  subscribe(runId: string, listener: RunListener): () => void {
    let set = this.#listeners.get(runId);
    if (set === undefined) this.#listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(runId);
    };
  }

  /**
   * Listens to the committed events of every run (metrics, tracing, logs). Listeners are called
   * synchronously after each commit, after the run's own listeners: keep them quick. Returns the
   * unsubscribe function.
   */
  subscribeAll(listener: RunListener): () => void {
    this.#allListeners.add(listener);
    return () => {
      this.#allListeners.delete(listener);
    };
  }

  active(runId: string): ActiveRun | undefined {
    return this.#active.get(runId);
  }

  /** Whether the run decided anything that is not committed yet (pending, or being committed). */
  uncommitted(runId: string): boolean {
    return this.#writes.uncommitted(runId);
  }

  /** Resolves when everything decided so far is committed. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /**
   * Stops taking on work for a shutdown: nodes that become ready are not started (they stay
   * recorded as running and run after the next start), and timers stop firing. Resolves true once
   * no node execution is in flight, or false after `ms`.
   */
  async drain(ms: number): Promise<boolean> {
    this.#draining = true;
    this.#timers.stop();
    const deadline = performance.now() + ms;
    for (;;) {
      await this.flush();
      const busy = [...this.#active.values()].some((r) => r.controllers.size > 0);
      if (!busy) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Stops timers and waits for the last commit; running executions are aborted. They run again
   * after the next start, and do not count as executions the process died under.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      for (const run of this.#active.values()) {
        for (const path of run.controllers.keys()) this.#interrupted(run, path);
      }
    }
    this.#closed = true;
    this.#timers.stop();
    await this.flush().catch(() => undefined);
    for (const run of this.#active.values()) {
      for (const c of run.controllers.values()) c.abort(new WeftError('shutdown', 'engine closed'));
    }
    this.#active.clear();
    await this.#o.cluster?.stop();
  }

  // ---- one of many workers --------------------------------------------------------------------

  /** On a store many workers share, only a member may change runs: its writes are fenced. */
  #checkTakesPart(): void {
    if (this.#o.store.cluster !== undefined && this.#o.cluster === undefined) {
      throw new WeftError(
        'unsupported',
        'an engine opened with autoStart: false on a shared database only reads runs: open it with autoStart to change them',
      );
    }
  }

  #clusterHost(): ClusterHost {
    return {
      adopt: (claims) => this.#adopt(claims),
      // A draining worker takes on nothing more.
      held: () => (this.#draining || this.#closed ? Number.POSITIVE_INFINITY : this.#active.size),
      dropAll: (reason) => {
        for (const run of [...this.#active.values()]) this.#drop(run, reason);
      },
      deliver: async (runId, input) => {
        await this.send(runId, input);
      },
      admitOwn: () => this.#admitOwn(),
    };
  }

  /**
   * Starts the runs of this process that wait `queued` under a key, each when it is first in line
   * and its key has room (a member that claims nothing, in the place of the database's admission).
   * The run is taken first, then the key counted again: when another process took a place
   * meanwhile, the run is let go of and waits on.
   */
  async #admitOwn(): Promise<void> {
    const claims = this.#o.store.cluster?.claims;
    const cluster = this.#o.cluster;
    if (claims === undefined || cluster === undefined) return;
    for (const [id, { tenant, keyed }] of [...this.#ownKeyed]) {
      try {
        const holding = await this.#o.store.keyedHolding(tenant, keyed.key);
        if (holding >= keyed.limit) continue;
        const first = await this.#o.store.keyedWaiting(tenant, keyed.key, keyed.limit - holding);
        if (!first.includes(id)) continue;
        const got = await claims.acquire(cluster.worker, id);
        if (got === undefined || 'heldBy' in got) {
          // Gone, or admitted by a worker that carries it now.
          this.#ownKeyed.delete(id);
          continue;
        }
        const run = await this.#load(id);
        if (run === undefined) continue;
        if (run.state.meta.status !== 'queued') {
          this.#ownKeyed.delete(id);
          this.#letGoIfIdle(run);
          continue;
        }
        if ((await this.#o.store.keyedHolding(tenant, keyed.key)) > keyed.limit) {
          this.#record(run, NOTHING);
          await this.flush();
          continue;
        }
        this.#ownKeyed.delete(id);
        this.#feed(run, { type: 'start' });
        await this.flush();
      } catch (e) {
        this.#log.warn({ err: e, runId: id }, 'could not start a queued run; tried again later');
      }
    }
  }

  /** Carries on runs this worker just claimed, as a start carries on those of a stopped process. */
  async #adopt(claims: readonly RunClaim[]): Promise<void> {
    const tokens = new Map(claims.map((c) => [c.runId, c.token]));
    const admitted = new Set(claims.filter((c) => c.admitted === true).map((c) => c.runId));
    const none = new Set<string>();
    for (const run of await this.#loadMany([...tokens.keys()], tokens)) {
      holdWith(run, tokens.get(run.identity.id));
      if (await this.#orphaned(run, none)) {
        this.#feed(run, { type: 'cancel', reason: 'parent run stopped' });
        continue;
      }
      if (run.state.meta.status === 'queued') {
        this.#waitTurn(run, admitted.has(run.identity.id));
        continue;
      }
      // Carried on here already (an input loaded it meanwhile): its executions are this worker's.
      if (run.fresh !== true) continue;
      const decision = this.#feed(run, { type: 'recover', crashLimit: this.#crashLimit });
      if (decision !== undefined) this.#logCrashed(run, decision);
    }
    await this.flush();
  }

  /** A run an input left as it was: with nothing in flight, this worker lets go of it. */
  #letGoIfIdle(run: ActiveRun): void {
    if (run.claim === undefined || this.#active.get(run.identity.id) !== run) return;
    const m = run.state.meta;
    if (this.#writes.pending(run.identity.id) || run.controllers.size > 0) return;
    if (isTerminal(m.status) || m.executing === 0) this.#record(run, NOTHING);
  }

  // ---- inputs -----------------------------------------------------------------------------

  async #load(runId: string): Promise<ActiveRun | undefined> {
    for (;;) {
      const live = this.#active.get(runId);
      if (live !== undefined) return live;
      // Let go at a decision not committed yet (it settled the run, say): its rows are behind it
      // until that commit lands, and a run read from them would decide on a past state.
      if (!this.#writes.uncommitted(runId)) break;
      await this.#writes.flush();
    }
    try {
      return await (this.#loading.get(runId) ?? this.#loadAfter(runId, undefined));
    } catch (e) {
      if (WeftError.is(e) && e.code === 'not_found') return undefined;
      throw e;
    }
  }

  /** Loads a run from the store once `after` settled; loads of it meanwhile share this one. */
  #loadAfter(runId: string, after: Promise<unknown> | undefined): Promise<ActiveRun> {
    const loading = (async () => {
      await after;
      const claim = await this.#acquire(runId);
      const rows = await this.#o.store.loadRun(runId);
      if (rows === undefined) throw new WeftError('not_found', `no run ${runId}`);
      return this.#activate(rows, claim);
    })();
    this.#loading.set(runId, loading);
    const forget = () => {
      if (this.#loading.get(runId) === loading) this.#loading.delete(runId);
    };
    loading.then(forget, forget);
    return loading;
  }

  /** On a shared store, takes the run for this worker first: its token then fences its commits. */
  async #acquire(runId: string): Promise<number | undefined> {
    const cluster = this.#o.cluster;
    if (cluster === undefined) return undefined;
    const got = await this.#o.store.cluster!.claims.acquire(cluster.worker, runId);
    if (got === undefined) throw new WeftError('not_found', `no run ${runId}`);
    if ('heldBy' in got) throw new HeldElsewhere(got.heldBy);
    return got.token;
  }

  /**
   * The runs of `ids` in memory, those not there yet read from the store together. A run whose
   * workflow version is gone is left out, as {@link #load} leaves it. `claims` gives the tokens of
   * runs this worker just claimed on a shared store.
   */
  async #loadMany(
    ids: readonly string[],
    claims?: ReadonlyMap<string, number>,
  ): Promise<ActiveRun[]> {
    const out: ActiveRun[] = [];
    const missing: string[] = [];
    const loading: string[] = [];
    for (const id of ids) {
      const live = this.#active.get(id);
      if (live !== undefined) out.push(live);
      else (this.#loading.has(id) ? loading : missing).push(id);
    }
    for (const rows of await this.#o.store.loadRuns(missing)) {
      try {
        out.push(await this.#activate(rows, claims?.get(rows.run.id)));
      } catch (e) {
        if (!(WeftError.is(e) && e.code === 'not_found')) throw e;
      }
    }
    for (const id of loading) {
      const run = await this.#load(id);
      if (run !== undefined) out.push(run);
    }
    return out;
  }

  /** The run of rows just read, unless it got into memory meanwhile. */
  async #activate(
    rows: { run: RunRecord; nodes: NodeRecord[] },
    claim: number | undefined,
  ): Promise<ActiveRun> {
    const r = rows.run;
    const plan = await this.#o.loadPlan(r.tenant, r.workflowId, r.version);
    const again = this.#active.get(r.id);
    if (again !== undefined) {
      // Claimed and acquired at once (a claim's load, a timer's): the later hold is the one.
      holdWith(again, claim);
      return again;
    }
    const run: ActiveRun = {
      identity: identityOf(r),
      plan,
      state: runLogicOf(plan).load(plan, r, rows.nodes),
      controllers: new Map(),
      stored: true,
      committed: r,
      fresh: true,
    };
    if (claim !== undefined) run.claim = claim;
    if (plan.concurrency !== undefined) {
      try {
        const keyed = concurrencyKeyOf(plan, run.state, this.#clock.now());
        if (keyed !== undefined) run.concurrency = keyed;
      } catch {
        // Its key was computed at its start, from the same input: it cannot fail now.
      }
    }
    this.#active.set(r.id, run);
    return run;
  }

  #deliverNow(run: ActiveRun, input: RunnerInput): void {
    if (this.#closed || this.#active.get(run.identity.id) !== run) return;
    this.#feed(run, input);
  }

  /** Feeds an input from inside (a result, a recovery): a decision that throws is rejected. */
  #feed(run: ActiveRun, input: RunnerInput): Decision | undefined {
    try {
      return this.#process(run, input);
    } catch (e) {
      // A refusal changed nothing: the input is simply not for the run as it is now.
      if (!isRefusal(e)) this.#reject(run, input, e);
      return undefined;
    }
  }

  // ---- decisions that throw -----------------------------------------------------------------

  /**
   * A decision on `input` threw partway. The run's memory is dropped with its uncommitted
   * decisions and its executions are aborted; once the commits before have landed, the run is
   * loaded again, the node the input was about fails with the error, and the work that was in
   * flight runs again, as after a crash. Returns the error the node fails with.
   */
  #reject(run: ActiveRun, input: RunnerInput, cause: unknown): WeftError {
    const runId = run.identity.id;
    const error = rejectionOf(input, cause);
    const path = subjectOf(input);
    this.#log.error(
      { err: cause, runId, node: path, input: input.type },
      'decision failed; the run is loaded again and the node fails',
    );
    this.#drop(run, error);
    this.#reload(runId, (fresh) => this.#failRejected(fresh, path, error));
    return error;
  }

  #failRejected(run: ActiveRun, path: string | undefined, error: WeftError): void {
    if (path === undefined) return this.#abandon(run, toErrorInfo(error));
    // Its executions are recovered below, once the node has failed.
    run.fresh = false;
    try {
      this.#process(run, { type: 'node.rejected', path, error: toErrorInfo(error) });
      this.#process(run, { type: 'recover' });
    } catch (e) {
      const final = abandonmentOf(error, e);
      this.#log.error({ err: e, runId: run.identity.id, node: path }, 'the run ends');
      this.#drop(run, final);
      this.#reload(run.identity.id, (fresh) => this.#abandon(fresh, toErrorInfo(final)));
    }
  }

  /** Ends the run `failed` as its logic's last resort (see `RunLogic.abandon`). */
  #abandon(run: ActiveRun, error: ErrorInfo): void {
    try {
      const decision = runLogicOf(run.plan).abandon(run.plan, run.state, error, this.#clock.now());
      this.#record(run, decision);
    } catch (e) {
      this.#log.error(
        { err: e, runId: run.identity.id },
        'run could not be ended; it stays as last committed until the next start',
      );
      this.#drop(run, toWeftError(e));
    }
  }

  /**
   * Forgets a run's memory and what it decided since its last commit; aborts its executions. A
   * caller waiting for one of those decisions to commit gets `reason` (see `send`).
   */
  #drop(run: ActiveRun, reason: WeftError): void {
    if (this.#writes.drop(run.identity.id)) run.failure = reason;
    for (const c of run.controllers.values()) c.abort(reason);
    this.#evict(run, true);
  }

  /** Loads a dropped run again after the commits in progress, then hands it to `then`. */
  #reload(runId: string, then: (run: ActiveRun) => void): void {
    this.#loadAfter(runId, this.#writes.settled).then(
      (run) => {
        if (!this.#closed && this.#active.get(runId) === run) then(run);
      },
      (e: unknown) =>
        this.#log.error(
          { err: e, runId },
          'run could not be loaded again; it resumes at the next start',
        ),
    );
  }

  /** Read from the run's log: only an execution that runs again after recording steps asks. */
  async #recordedSteps(runId: string, path: string, count: number): Promise<RecordedSteps> {
    const steps: ({ name: string; value: unknown } | undefined)[] = new Array(count).fill(
      undefined,
    );
    for (const e of await this.#o.store.readEvents(runId, 0)) {
      // Later records of a position replace earlier ones (a step whose name changed ran again).
      if (e.type === 'node.step' && e.node === path && e.data.index < count) {
        steps[e.data.index] = { name: e.data.name, value: e.data.value };
      }
    }
    return steps;
  }

  #process(run: ActiveRun, input: RunnerInput): Decision {
    if (run.fresh === true) this.#carryOnFirst(run, input);
    const full = { ...input, at: this.#clock.now() };
    return this.#record(run, runLogicOf(run.plan).decide(run.plan, run.state, full));
  }

  /**
   * A run read from the store meets its first input. Whatever it records as running executes
   * nowhere now: a timer, an answer or a child's end that loaded it (on a shared store, from a
   * worker that died) would otherwise move it on around nodes nobody runs, and it would never end.
   * So they are issued again first, as after a crash, unless the input is that recovery itself or
   * a cancel, which stops them anyway.
   */
  #carryOnFirst(run: ActiveRun, input: RunnerInput): void {
    run.fresh = false;
    if (input.type === 'recover' || input.type === 'cancel') return;
    if (run.state.meta.executing === 0 || isTerminal(run.state.meta.status)) return;
    const recover = {
      type: 'recover' as const,
      crashLimit: this.#crashLimit,
      at: this.#clock.now(),
    };
    const decision = this.#record(run, runLogicOf(run.plan).decide(run.plan, run.state, recover));
    this.#logCrashed(run, decision);
  }

  /** Adds a decision to the next commit. */
  #record(run: ActiveRun, decision: Decision): Decision {
    const w = this.#writes.writeFor(run);
    for (const p of decision.removed) {
      w.removed.add(p);
      w.dirty.delete(p);
    }
    for (const p of decision.dirty) w.dirty.add(p);
    for (const e of decision.events) w.events.push(e);
    for (const c of decision.commands) {
      if (c.type === 'timer') w.addTimers.set(c.timer.id, c.timer);
      else if (c.type === 'cancel-timer') {
        if (!w.addTimers.delete(c.id)) w.removeTimers.add(c.id);
      } else w.commands.push(c);
    }
    this.stats.decisions++;
    return decision;
  }

  // ---- group commit -----------------------------------------------------------------------

  /** Commits a batch of the queue's, then does what follows each run's commit. */
  async #commit(batch: readonly PendingWrite[]): Promise<void> {
    const pairs: [PendingWrite, RunWrite][] = [];
    for (const w of batch) pairs.push([w, this.#toWrite(w)]);
    const failed = await this.#write(pairs);
    for (const [w, write] of pairs) {
      if (failed.has(w)) continue;
      this.stats.events += w.events.length;
      w.run.stored = true;
      w.run.committed = write.run;
      this.#afterCommit(w);
      if (w.addTimers.size > 0) this.#timers.added([...w.addTimers.values()]);
    }
    for (const [w, error] of failed) this.#commitFailed(w.run, error);
  }

  #toWrite(w: PendingWrite): RunWrite {
    const { identity, state } = w.run;
    const nodes = [];
    for (const p of w.dirty) {
      const s = state.nodes.get(p);
      if (s !== undefined) nodes.push(toNodeRecord(identity.id, s, state.meta.output));
    }
    const previous = w.run.committed;
    const write: RunWrite = {
      run: toRunRecord(identity, state.meta, previous),
      nodes,
      events: w.events,
      addTimers: [...w.addTimers.values()],
      removeTimers: [...w.removeTimers],
    };
    if (w.removed.size > 0) write.removeNodes = [...w.removed];
    const cluster = this.#o.cluster;
    if (cluster !== undefined && w.run.claim !== undefined) {
      // Nothing in flight: the run waits in the store alone, free for whichever worker it wakes.
      const release =
        w.run.holdClaim !== true && (isTerminal(state.meta.status) || state.meta.executing === 0);
      write.claim = { worker: cluster.worker, token: w.run.claim, release };
    }
    if (w.run.stored) write.inputUnchanged = true;
    else if (w.run.singletonKey !== undefined) write.singletonKey = w.run.singletonKey;
    if (previous !== undefined) write.previous = previous;
    return write;
  }

  /**
   * Commits the batch; if that fails, each run on its own, so that one run's bad write (say, a
   * second start with a taken idempotency key) does not take down the others sharing the commit.
   * Returns the writes that failed.
   */
  async #write(pairs: [PendingWrite, RunWrite][]): Promise<Map<PendingWrite, unknown>> {
    const failed = new Map<PendingWrite, unknown>();
    try {
      await this.#o.store.commit(pairs.map(([, write]) => write));
      this.stats.commits++;
      return failed;
    } catch (e) {
      if (pairs.length === 1) return failed.set(pairs[0]![0], e);
    }
    for (const [w, write] of pairs) {
      try {
        await this.#o.store.commit([write]);
        this.stats.commits++;
      } catch (e) {
        failed.set(w, e);
      }
    }
    return failed;
  }

  /**
   * The run's memory is now ahead of its rows: drop it, tell whoever waits on it, and if it was
   * stored, carry it on from what was committed — as after a crash, in-flight nodes run again.
   */
  #commitFailed(run: ActiveRun, error: unknown): void {
    if (WeftError.is(error) && error.code === 'claim_lost') {
      // A lease that lapsed is told once, by the cluster member; this is one run of it.
      this.#log.info(
        { runId: run.identity.id, code: 'claim_lost' },
        `run ${run.identity.id} is carried on by another worker now: this one let it go`,
      );
      run.failure = error;
      for (const c of run.controllers.values()) c.abort(error);
      return this.#evict(run, true);
    }
    this.#log.error({ err: error, runId: run.identity.id }, 'commit failed');
    run.failure = error;
    for (const c of run.controllers.values()) {
      c.abort(new WeftError('commit_failed', 'the run could not be saved; it is reloaded'));
    }
    this.#evict(run, true);
    if (run.stored) this.#recoverLater(run.identity.id, 1);
  }

  #recoverLater(runId: string, attempt: number): void {
    if (this.#closed) return;
    if (attempt > 6) {
      this.#log.error(
        { runId },
        'run could not be carried on after failed commits; it resumes at the next start',
      );
      return;
    }
    const retry = setTimeout(
      () => {
        this.send(runId, { type: 'recover', crashLimit: this.#crashLimit }).catch(() =>
          this.#recoverLater(runId, attempt + 1),
        );
      },
      25 * 4 ** (attempt - 1),
    );
    retry.unref();
  }

  #afterCommit(w: PendingWrite): void {
    const run = w.run;
    const listeners = this.#listeners.get(run.identity.id);
    if (listeners !== undefined && w.events.length > 0) {
      for (const l of [...listeners]) {
        try {
          l(w.events, run);
        } catch (e) {
          this.#log.warn({ err: e }, 'event listener failed');
        }
      }
    }
    if (this.#allListeners.size > 0 && w.events.length > 0) {
      for (const l of [...this.#allListeners]) {
        try {
          l(w.events, run);
        } catch (e) {
          this.#log.warn({ err: e }, 'event listener failed');
        }
      }
    }
    for (const c of w.commands) this.#carryOut(run, c);
    const m = run.state.meta;
    if (isTerminal(m.status)) this.#own.delete(run.identity.id);
    if (m.status !== 'queued') this.#ownKeyed.delete(run.identity.id);
    if (run.concurrency !== undefined && isTerminal(m.status) && w.events.some(isTerminalEvent)) {
      this.#turns.freed(run.identity.tenant, run.concurrency);
    } else if (run.concurrency !== undefined && m.status === 'queued' && w.events.some(isRetry)) {
      // A retry under a key waits for its turn as a start does (see `retryRun`).
      this.#turns.freed(run.identity.tenant, run.concurrency);
    }
    if (isTerminal(m.status) || (m.executing === 0 && !this.#writes.pending(run.identity.id))) {
      this.#evict(run, false);
    }
  }

  #evict(run: ActiveRun, force: boolean): void {
    if (!force && run.controllers.size > 0) return;
    if (this.#active.get(run.identity.id) !== run) return;
    this.#active.delete(run.identity.id);
    // Room for one more: queued work need not wait for the next poll.
    this.#o.cluster?.roomFreed();
  }

  #carryOut(run: ActiveRun, c: Command): void {
    switch (c.type) {
      case 'execute':
        if (this.#draining) return this.#interrupted(run, c.path, c.attempt);
        return executeNode(this.#env, run, c);
      case 'abort':
        run.controllers
          .get(c.path)
          ?.abort(
            new WeftError(c.reason, c.reason === 'cancelled' ? 'run cancelled' : 'run failed'),
          );
        return;
      case 'start-child': {
        if (this.#draining) return;
        const children = this.#o.children;
        const started =
          children === undefined
            ? Promise.reject(new WeftError('unsupported', 'this engine cannot start child runs'))
            : children.start(run, c);
        started.catch((e: unknown) => {
          const err = WeftError.is(e) ? e : new WeftError('child_start_failed', String(e));
          this.send(run.identity.id, {
            type: 'child.finished',
            path: c.path,
            childRunId: c.childRunId,
            status: 'failed',
            error: { code: err.code, message: err.message },
          }).catch(() => undefined);
        });
        return;
      }
      case 'cancel-child':
        this.send(c.childRunId, { type: 'cancel', reason: 'parent run stopped' }).catch(
          () => undefined,
        );
        return;
      case 'finished':
        return this.#notifyParent(run);
      case 'timer':
      case 'cancel-timer':
        return;
    }
  }

  /** The node's current execution is stopped (or never begun) by the shutdown, not by a crash. */
  #interrupted(run: ActiveRun, path: string, attempt?: number): void {
    const ns = run.state.nodes.get(path);
    if (ns?.kind !== 'node' || run.failure !== undefined) return;
    this.#process(run, { type: 'node.interrupted', path, attempt: attempt ?? ns.attempts });
  }

  #notifyParent(run: ActiveRun): void {
    const { parentRunId, parentPath } = run.identity;
    if (parentRunId === undefined || parentPath === undefined) return;
    const m = run.state.meta;
    const input: RunnerInput = {
      type: 'child.finished',
      path: parentPath,
      childRunId: run.identity.id,
      status: m.status,
    };
    if (m.output !== undefined) input.output = m.output;
    if (m.error !== undefined) input.error = m.error;
    this.send(parentRunId, input).catch((e: unknown) =>
      this.#log.error({ err: e, runId: parentRunId }, 'could not report a child run to its parent'),
    );
  }

  /** Resolves false when the timer is not this worker's to fire now. */
  #fireTimer(timer: TimerRecord): Promise<boolean> {
    // A member that claims nothing leaves the timers of others' runs to the workers.
    const { runId } = timer;
    if (this.#o.cluster?.claims === false && !this.#own.has(runId) && !this.#active.has(runId)) {
      return Promise.resolve(false);
    }
    // On a shared store, a timer of a run another worker holds is that worker's to fire.
    return this.send(timer.runId, { type: 'timer.fired', timer }, { forward: false }).then(
      (where) => where === 'here',
      (e: unknown) => {
        this.#log.error({ err: e, timer: timer.id }, 'timer could not fire');
        return true;
      },
    );
  }
}

const isRetry = (e: RunEvent): boolean => e.type === 'run.retried';

/**
 * Takes a token of this worker's hold on the run, keeping the highest: two loads of one run (a
 * claim's and a timer's) may end in either order, and a lower token would fence this worker out of
 * its own run.
 */
function holdWith(run: ActiveRun, token: number | undefined): void {
  if (token !== undefined && token > (run.claim ?? 0)) run.claim = token;
}

function identityOf(r: RunRecord): RunIdentity {
  const identity: RunIdentity = {
    id: r.id,
    tenant: r.tenant,
    workflowId: r.workflowId,
    version: r.version,
    createdAt: r.createdAt,
    priority: r.priority,
  };
  if (r.parentRunId !== undefined) identity.parentRunId = r.parentRunId;
  if (r.parentPath !== undefined) identity.parentPath = r.parentPath;
  if (r.idempotencyKey !== undefined) identity.idempotencyKey = r.idempotencyKey;
  return identity;
}
