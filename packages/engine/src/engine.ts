/**
 * @module engine
 * The library face: `Engine` opens a store, registers node types, and starts, watches and steers
 * runs. The CLI and the server are thin layers over it.
 *
 * @example
 * ```ts
 * import { Engine } from 'weft';
 * const engine = await Engine.open({ db: ':memory:' });
 * const run = await engine.run(yamlText, { input: { name: 'Ada' } });
 * console.log(run.status, run.output);
 * await engine.close();
 * ```
 */
import {
  NodeRegistry,
  PlanCache,
  checkPlainData,
  formatPath,
  resolveLimits,
  WeftError,
  hashDefinition,
  isTerminal,
  runLogicOf,
  isTerminalEvent,
  silentLogger,
  systemClock,
  validateAgainst,
  type Clock,
  type Command,
  type CredentialResolver,
  type DslLimits,
  type ErrorCode,
  type Logger,
  type NodeType,
  type ParseResult,
  type Plan,
  type RunEvent,
  type RunIdentity,
  type RunState,
  type Store,
  type WorkflowDefinition,
} from '@weft/core';
import { standardNodes } from '@weft/nodes';
import { Runner, type ActiveRun } from './runtime/runner.js';
import { openSqliteStore } from '@weft/store-sqlite';
import { Credentials } from './credentials/credentials.js';
import { SecretKey } from './credentials/secret-key.js';
import type { WeftClient } from '@weft/core/client';
import { localClient } from './client/local-client.js';
import { uuidv7 } from './ids.js';
import { ApiKeys } from './keys/keys.js';
import { runView, type RunView } from './run-view.js';
import { syncSchedules } from './triggers/cron.js';
import { validateWorkflow } from './validate.js';
import { startScheduler, type Scheduler } from './triggers/scheduler.js';
import { hookKeys, Webhooks } from './triggers/webhooks.js';
import { refuseFileReferences } from './workflow-refs.js';

export interface EngineOptions {
  /** SQLite file, or ':memory:'. Ignored when `store` is given. @default './.weft/weft.db' */
  db?: string;
  /** SQLite durability: FULL survives power loss, NORMAL survives process crashes. @default 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
  /** A store to use instead of opening one; the engine does not close it. */
  store?: Store;
  /** Node types to register besides the standard ones. */
  nodes?: readonly NodeType[];
  /** Tenant of everything this engine does when no tenant is given. @default 'default' */
  tenant?: string;
  clock?: Clock;
  log?: Logger;
  /**
   * Resolves nodes' credentials. @default the engine's own: {@link Engine.credentials}, decrypted
   * at call time.
   */
  credentials?: (tenant: string) => CredentialResolver;
  /**
   * The secret the credentials' key is derived from (at least 32 characters).
   * @default process.env.WEFT_SECRET_KEY
   */
  secretKey?: string;
  /**
   * Where the credentials' key is kept when there is no secret key: created on first need, mode
   * 0600. @default `<db>.key` for a database file; none (a key for this process only) in memory
   */
  keyFile?: string;
  /** Fire the `cron` triggers of published workflows (see `startScheduler`). @default false */
  scheduler?: boolean;
  /** Resolves a `subworkflow` reference that is not a stored workflow id (e.g. a file path). */
  resolveWorkflow?: WorkflowResolver;
  limits?: Partial<DslLimits>;
  /** Recover unfinished runs and fire timers. @default true */
  autoStart?: boolean;
  /** Hold the database for this process (false: read alongside another process). @default true */
  lock?: boolean;
}

export type WorkflowResolver = (
  ref: string,
  parent: { tenant: string; workflowId: string; version: number },
) => Promise<{ id: string; version: number } | undefined>;

export interface StartOptions {
  input?: unknown;
  version?: number;
  idempotencyKey?: string;
  priority?: number;
  tenant?: string;
}

type WorkflowRef = string | WorkflowDefinition;

/** A run id no run has: reading it exercises the store without finding anything. */
const PROBE_RUN_ID = '00000000-0000-0000-0000-000000000000';

/** The statuses of runs that are not finished. */
export const QUEUE_STATUSES = ['queued', 'running', 'waiting', 'paused'] as const;

export class Engine {
  readonly registry: NodeRegistry;
  readonly store: Store;
  readonly #runner: Runner;
  readonly #plans = new PlanCache();
  readonly #versions = new Map<string, Plan>();
  readonly #keyedStarts = new Map<string, Promise<{ id: string; status: string }>>();
  readonly #tenant: string;
  readonly #ownsStore: boolean;
  readonly #options: EngineOptions;
  #closing: Promise<void> | undefined;
  readonly #dataLimits: DslLimits;
  readonly log: Logger;
  /** Credentials of every tenant: write-only values, encrypted at rest. */
  readonly credentials: Credentials;
  /** API keys stored hashed (`weft keys create`). */
  readonly keys: ApiKeys;
  /** Webhook triggers: `engine.webhooks.deliver(request)`. */
  readonly webhooks: Webhooks;
  readonly #secretKey: SecretKey;
  readonly #schedulers = new Set<Scheduler>();

  private constructor(store: Store, ownsStore: boolean, options: EngineOptions) {
    this.store = store;
    this.#ownsStore = ownsStore;
    this.#options = options;
    this.#tenant = options.tenant ?? 'default';
    this.#dataLimits = resolveLimits(options.limits);
    this.log = options.log ?? silentLogger;
    const clock = options.clock ?? systemClock;
    const where = storeLocation(store, options);
    this.#secretKey = new SecretKey(store, {
      secret: options.secretKey ?? process.env['WEFT_SECRET_KEY'],
      keyFile: options.keyFile ?? (where === undefined ? undefined : `${where}.key`),
      label: where ?? 'the store',
      log: this.log,
    });
    this.credentials = new Credentials(store, this.#secretKey, clock, this.#tenant);
    this.keys = new ApiKeys(store, clock);
    this.webhooks = new Webhooks(this, { clock });
    this.registry = new NodeRegistry([...standardNodes, ...(options.nodes ?? [])]);
    const runnerOptions: ConstructorParameters<typeof Runner>[0] = {
      store,
      registry: this.registry,
      loadPlan: (tenant, id, version) => this.#planOf(tenant, id, version),
      clock: options.clock ?? systemClock,
      log: this.log,
      children: { start: (parent, cmd) => this.#startChild(parent, cmd) },
    };
    runnerOptions.credentials =
      options.credentials ?? ((tenant) => this.credentials.resolver(tenant));
    this.#runner = new Runner(runnerOptions);
  }

  /** Opens the store, applies migrations, and carries on every unfinished run. */
  static async open(options: EngineOptions = {}): Promise<Engine> {
    const store =
      options.store ??
      (await openSqliteStore({
        path: options.db ?? './.weft/weft.db',
        synchronous: options.synchronous ?? 'FULL',
        lock: options.lock ?? true,
      }));
    try {
      await store.migrate();
      const engine = new Engine(store, options.store === undefined, options);
      // Before any run is carried on: a wrong key must stop the start, not fail nodes one by one.
      if (options.autoStart !== false) await engine.#secretKey.check();
      if (options.autoStart !== false) await engine.#runner.start();
      if (options.scheduler === true)
        startScheduler(engine, { clock: options.clock ?? systemClock });
      return engine;
    } catch (e) {
      if (options.store === undefined) await store.close();
      throw e;
    }
  }

  /** Group-commit figures since the engine opened. */
  get stats(): Readonly<{ commits: number; decisions: number; events: number }> {
    return this.#runner.stats;
  }

  register(type: NodeType): this {
    this.registry.register(type);
    return this;
  }

  /** Parses and validates definition text (YAML or JSON) or an object: see {@link validateWorkflow}. */
  validate(source: string | object, options: { format?: 'yaml' | 'json' } = {}): ParseResult {
    return validateWorkflow(source, {
      registry: this.registry,
      ...(this.#options.limits ? { limits: this.#options.limits } : {}),
      ...(options.format ? { format: options.format } : {}),
      now: (this.#options.clock ?? systemClock).now(),
    });
  }

  /**
   * Validates and stores a definition as a new version (the same content keeps its version).
   * Without `resolveWorkflow`, child workflows named by file path are refused (`invalid_definition`).
   */
  async publish(
    source: string | object,
    options: { tenant?: string; format?: 'yaml' | 'json' } = {},
  ): Promise<{ id: string; version: number; created: boolean }> {
    const parsed = this.validate(source, options);
    if (!parsed.ok) {
      throw new WeftError('invalid_definition', describeDiagnostics(parsed), {
        details: parsed.diagnostics,
      });
    }
    const definition = parsed.definition;
    // An engine without a resolver (the one `weft serve` runs) finds child workflows by id only,
    // so a file path could never be run: refused here, at publish, rather than at every run. The
    // engine is the one place every publish goes through (API, CLI, library), and the resolver is
    // what decides whether a reference can be followed, so the check lives with it.
    if (this.#options.resolveWorkflow === undefined) refuseFileReferences(definition);
    const hash = hashDefinition(definition);
    // Compiling refuses a kind of workflow that this engine cannot run, before anything is stored.
    this.#plans.get(definition, this.registry, hash);
    const tenant = options.tenant ?? this.#tenant;
    await this.#checkHooksFree(tenant, definition);
    const text = typeof source === 'string' ? source : JSON.stringify(source, null, 2);
    const saved = await this.store.saveWorkflow({ tenant, definition, source: text, hash });
    await syncSchedules(this.store, tenant, definition, (this.#options.clock ?? systemClock).now());
    for (const s of this.#schedulers) s.wake();
    return { id: definition.id, ...saved };
  }

  /**
   * Deletes every version of a workflow, and its schedules; its runs are kept (a run in progress
   * finishes on the version it started with). Returns false when there was none.
   */
  async deleteWorkflow(id: string, options: { tenant?: string } = {}): Promise<boolean> {
    const deleted = await this.store.deleteWorkflow(options.tenant ?? this.#tenant, id);
    for (const s of this.#schedulers) s.wake();
    return deleted;
  }

  /** @internal `startScheduler` registers here: woken on publish, stopped on close. */
  attachScheduler(scheduler: Scheduler): () => void {
    this.#schedulers.add(scheduler);
    return () => this.#schedulers.delete(scheduler);
  }

  /** Starts a run of a stored workflow (by id) or of a definition (published first). */
  async start(
    workflow: WorkflowRef,
    options: StartOptions = {},
  ): Promise<{ id: string; status: string }> {
    const tenant = options.tenant ?? this.#tenant;
    const { id: workflowId, version } = await this.#resolve(workflow, tenant, options.version);
    const key = options.idempotencyKey;
    if (key === undefined) return this.#create(tenant, workflowId, version, options);
    // Starts with one key share one run: concurrent ones wait for the first (no await between the
    // check and the claim), and a start that lost a race in the store finds the winner's run.
    const claim = `${tenant}\u0000${workflowId}\u0000${key}`;
    const pending = this.#keyedStarts.get(claim);
    if (pending !== undefined) return pending;
    const started = (async () => {
      const existing = await this.store.findRunByIdempotencyKey(tenant, workflowId, key);
      if (existing !== undefined) return { id: existing.id, status: existing.status };
      try {
        return await this.#create(tenant, workflowId, version, options);
      } catch (e) {
        const winner =
          WeftError.is(e) && e.code === 'store_conflict'
            ? await this.store.findRunByIdempotencyKey(tenant, workflowId, key)
            : undefined;
        if (winner === undefined) throw e;
        return { id: winner.id, status: winner.status };
      }
    })().finally(() => this.#keyedStarts.delete(claim));
    this.#keyedStarts.set(claim, started);
    return started;
  }

  async #create(
    tenant: string,
    workflowId: string,
    version: number,
    options: StartOptions,
  ): Promise<{ id: string; status: string }> {
    const plan = await this.#planOf(tenant, workflowId, version);
    const input = this.#checkInput(plan, options.input);
    const identity: RunIdentity = {
      id: uuidv7(),
      tenant,
      workflowId,
      version,
      createdAt: new Date((this.#options.clock ?? systemClock).now()).toISOString(),
      priority: options.priority ?? 0,
    };
    if (options.idempotencyKey !== undefined) identity.idempotencyKey = options.idempotencyKey;
    const run = await this.#runner.create(identity, plan, input);
    return { id: identity.id, status: run.state.meta.status };
  }

  /** Starts a run and waits until it finishes or waits for an answer, an event or a timer. */
  async run(workflow: WorkflowRef, options: StartOptions = {}): Promise<RunView> {
    const { id } = await this.start(workflow, options);
    return this.wait(id);
  }

  /**
   * Resolves with the run once it is finished or, with `until: 'idle'` (the default), once it
   * cannot go on without someone: paused, or waiting for a human answer. Waits for timers.
   */
  async wait(runId: string, options: { until?: 'idle' | 'finished' } = {}): Promise<RunView> {
    const finishedOnly = options.until === 'finished';
    const done = (plan: Plan, state: RunState) => {
      const m = state.meta;
      if (isTerminal(m.status)) return true;
      if (finishedOnly || m.executing > 0 || m.backoff > 0) return false;
      return (
        m.status === 'paused' ||
        (m.status === 'waiting' && runLogicOf(plan).awaitingAnswer(plan, state).length > 0)
      );
    };
    await new Promise<void>((resolve, reject) => {
      const unsubscribe = this.#runner.subscribe(runId, (_events, run) => {
        if (done(run.plan, run.state)) {
          unsubscribe();
          resolve();
        }
      });
      const check = async () => {
        await this.#runner.flush();
        const live = this.#runner.active(runId);
        if (live !== undefined) return done(live.plan, live.state);
        const rows = await this.store.loadRun(runId);
        if (rows === undefined) throw new WeftError('not_found', `no run ${runId}`);
        const plan = await this.#planOf(rows.run.tenant, rows.run.workflowId, rows.run.version);
        return done(plan, runLogicOf(plan).load(plan, rows.run, rows.nodes));
      };
      check().then(
        (settled) => {
          if (!settled) return;
          unsubscribe();
          resolve();
        },
        (e: unknown) => {
          unsubscribe();
          reject(e);
        },
      );
    });
    const view = await this.get(runId);
    if (view === undefined) throw new WeftError('not_found', `no run ${runId}`);
    return view;
  }

  /** The run as the API shows it, or undefined. */
  async get(runId: string, options: { tenant?: string } = {}): Promise<RunView | undefined> {
    await this.#runner.flush();
    const rows = await this.store.loadRun(runId);
    if (rows === undefined) return undefined;
    if (options.tenant !== undefined && rows.run.tenant !== options.tenant) return undefined;
    const plan = await this.#planOf(rows.run.tenant, rows.run.workflowId, rows.run.version).catch(
      () => undefined,
    );
    return runView(rows.run, rows.nodes, plan);
  }

  /**
   * The run's events after `after` (seq), then live ones as they are committed, without gaps or
   * duplicates. Ends after a terminal event unless `follow` is false, which ends at the stored end.
   */
  async *events(
    runId: string,
    options: { after?: number; follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<RunEvent> {
    const live: RunEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.#runner.subscribe(runId, (events) => {
      live.push(...events);
      wake?.();
    });
    // A reader that went away must not keep a subscription until the run's next event.
    const { signal } = options;
    const onAbort = () => wake?.();
    const stopped = () => signal?.aborted === true;
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let last = options.after ?? 0;
      for (const e of await this.store.readEvents(runId, last)) {
        yield e;
        last = e.seq;
      }
      const record = await this.store.getRun(runId);
      if (record === undefined) throw new WeftError('not_found', `no run ${runId}`);
      if (options.follow === false) return;
      if (isTerminal(record.status) && record.seq <= last) return;
      for (;;) {
        while (live.length > 0) {
          const e = live.shift()!;
          if (e.seq <= last) continue;
          yield e;
          last = e.seq;
          if (isTerminalEvent(e)) return;
        }
        if (stopped()) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (stopped()) return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }

  /**
   * Listens to the committed events of every run, with the run's identity (for metrics, tracing
   * and logs). Called synchronously after each commit: keep listeners quick. Returns the
   * unsubscribe function.
   */
  onEvents(listener: (events: readonly RunEvent[], run: RunIdentity) => void): () => void {
    return this.#runner.subscribeAll((events, run) => listener(events, run.identity));
  }

  pause(runId: string): Promise<void> {
    return this.#control(runId, { type: 'pause' });
  }

  resume(runId: string): Promise<void> {
    return this.#control(runId, { type: 'resume' });
  }

  cancel(runId: string, reason?: string): Promise<void> {
    return this.#control(
      runId,
      reason === undefined ? { type: 'cancel' } : { type: 'cancel', reason },
    );
  }

  retry(runId: string, options: { from?: string } = {}): Promise<void> {
    return this.#control(
      runId,
      options.from === undefined ? { type: 'retry' } : { type: 'retry', from: options.from },
    );
  }

  /** Paths of the run's human nodes that wait for an answer. */
  async waitingForAnswer(runId: string): Promise<string[]> {
    const rows = await this.store.loadRun(runId);
    if (rows === undefined) throw new WeftError('not_found', `no run ${runId}`);
    const plan = await this.#planOf(rows.run.tenant, rows.run.workflowId, rows.run.version);
    const logic = runLogicOf(plan);
    return logic.awaitingAnswer(plan, logic.load(plan, rows.run, rows.nodes));
  }

  /** Answers a waiting `human` node; the answer is validated against the node's schema. */
  async input(runId: string, node: string, value: unknown): Promise<void> {
    const rows = await this.store.loadRun(runId);
    if (rows === undefined) throw new WeftError('not_found', `no run ${runId}`);
    const plan = await this.#planOf(rows.run.tenant, rows.run.workflowId, rows.run.version);
    const def = plan.root.nodes[plan.root.byId.get(node) ?? -1]?.definition;
    const schema = def?.with?.['schema'];
    const what = `answer to ${node}`;
    checkData(value, this.#dataLimits, { code: 'invalid_answer', root: 'value', what });
    if (typeof schema === 'object' && schema !== null) {
      validateAgainst(schema, value, { code: 'invalid_answer', root: 'value', what });
    }
    await this.#runner.send(runId, { type: 'human.input', node, value });
  }

  /** What `tenant` may do, as the faces see it: tenant-scoped, in this process. */
  client(tenant: string = this.#tenant): WeftClient {
    return localClient(this, tenant);
  }

  /** Reads the store once (a run nobody has): throws when it cannot be reached. For health checks. */
  async ping(): Promise<void> {
    await this.store.getRun(PROBE_RUN_ID);
  }

  /**
   * Unfinished runs by status, for the queue depth metric: of every tenant, or of `tenant` only
   * (what a tenant's `/metrics` shows).
   */
  async queueDepth(tenant?: string): Promise<Record<(typeof QUEUE_STATUSES)[number], number>> {
    const count = async (status: (typeof QUEUE_STATUSES)[number]) => {
      if (tenant === undefined) return (await this.store.runIdsByStatus([status])).length;
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await this.store.listRuns({
          tenant,
          status,
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        n += page.runs.length;
        cursor = page.cursor;
      } while (cursor !== undefined);
      return n;
    };
    const counts = await Promise.all(QUEUE_STATUSES.map(count));
    return {
      queued: counts[0] ?? 0,
      running: counts[1] ?? 0,
      waiting: counts[2] ?? 0,
      paused: counts[3] ?? 0,
    };
  }

  /**
   * For a shutdown: starts no new node execution (ready nodes run after the next start) and fires
   * no timer; resolves true once nothing executes, false after `ms`. Then call `close()`.
   */
  drain(ms = 10_000): Promise<boolean> {
    return this.#runner.drain(ms);
  }

  /** Stops the engine; safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#schedulers].map((s) => s.stop()));
      await this.#runner.close();
      if (this.#ownsStore) await this.store.close();
    })();
    return this.#closing;
  }

  // ---- internals --------------------------------------------------------------------------

  async #control(runId: string, input: Parameters<Runner['send']>[1]): Promise<void> {
    await this.#runner.send(runId, input);
  }

  async #resolve(
    workflow: WorkflowRef,
    tenant: string,
    version?: number,
  ): Promise<{ id: string; version: number }> {
    if (typeof workflow !== 'string' || /[\n:]/.test(workflow)) {
      const published = await this.publish(workflow, { tenant });
      return { id: published.id, version: published.version };
    }
    const found =
      version === undefined
        ? await this.store.latestWorkflowVersion(tenant, workflow)
        : (await this.store.getWorkflow(tenant, workflow, version))?.version;
    if (found === undefined) {
      throw new WeftError(
        'not_found',
        version === undefined
          ? `no workflow "${workflow}"`
          : `no version ${version} of workflow "${workflow}"`,
      );
    }
    return { id: workflow, version: found };
  }

  /** Versions never change once published, so their plans are kept by (tenant, id, version). */
  async #planOf(tenant: string, workflowId: string, version: number): Promise<Plan> {
    const key = `${tenant}\u0000${workflowId}\u0000${version}`;
    const cached = this.#versions.get(key);
    if (cached !== undefined) return cached;
    // Deleted versions too: a run keeps the version it started with after a delete (SPEC 8).
    const stored = await this.store.getWorkflow(tenant, workflowId, version, {
      includeDeleted: true,
    });
    if (stored === undefined) {
      throw new WeftError('not_found', `no version ${version} of workflow "${workflowId}"`);
    }
    const plan = this.#plans.get(stored.definition, this.registry, stored.hash);
    if (this.#versions.size >= 1000) this.#versions.clear();
    this.#versions.set(key, plan);
    return plan;
  }

  /** A webhook path and method start one workflow's runs: another live workflow may not take it. */
  async #checkHooksFree(tenant: string, definition: WorkflowDefinition): Promise<void> {
    const mine = hookKeys(definition);
    if (mine.length === 0) return;
    const diagnostics = [];
    for (const w of await this.store.listWorkflows(tenant)) {
      if (w.id === definition.id) continue;
      const other = await this.store.getWorkflow(tenant, w.id, w.latestVersion);
      const taken = new Set(
        other === undefined ? [] : hookKeys(other.definition).map((h) => h.key),
      );
      for (const h of mine) {
        if (taken.has(h.key)) {
          diagnostics.push({
            path: `triggers[${h.index}].path`,
            message: `webhook \`${h.key}\` is already used by workflow "${w.id}"`,
          });
        }
      }
    }
    if (diagnostics.length > 0) {
      const parsed = { ok: false as const, diagnostics };
      throw new WeftError('invalid_definition', describeDiagnostics(parsed), {
        details: diagnostics,
      });
    }
  }

  #checkInput(plan: Plan, input: unknown): unknown {
    checkData(input ?? {}, this.#dataLimits, {
      code: 'invalid_input',
      root: 'input',
      what: 'input',
    });
    const value = structuredClone(input ?? {});
    const schema = plan.workflow.inputs;
    if (schema !== undefined) {
      validateAgainst(schema, value, { code: 'invalid_input', root: 'input', what: 'input' });
    }
    return value;
  }

  async #startChild(
    parent: ActiveRun,
    cmd: Extract<Command, { type: 'start-child' }>,
  ): Promise<void> {
    const existing = await this.store.getRun(cmd.childRunId);
    if (existing !== undefined) {
      if (isTerminal(existing.status)) {
        const input: Parameters<Runner['send']>[1] = {
          type: 'child.finished',
          path: cmd.path,
          childRunId: existing.id,
          status: existing.status,
        };
        if (existing.output !== undefined) input.output = existing.output;
        if (existing.error !== undefined) input.error = existing.error;
        await this.#runner.send(parent.identity.id, input);
      }
      return;
    }
    const tenant = parent.identity.tenant;
    const ref = await this.#resolveChild(cmd.workflow, cmd.version, parent);
    const plan = await this.#planOf(tenant, ref.id, ref.version);
    const input = this.#checkInput(plan, cmd.input);
    await this.#runner.create(
      {
        id: cmd.childRunId,
        tenant,
        workflowId: ref.id,
        version: ref.version,
        createdAt: new Date((this.#options.clock ?? systemClock).now()).toISOString(),
        priority: parent.identity.priority,
        parentRunId: parent.identity.id,
        parentPath: cmd.path,
      },
      plan,
      input,
    );
  }

  async #resolveChild(ref: string, version: number | undefined, parent: ActiveRun) {
    const { tenant, workflowId } = parent.identity;
    const resolver = this.#options.resolveWorkflow;
    if (resolver !== undefined) {
      const found = await resolver(ref, { tenant, workflowId, version: parent.identity.version });
      if (found !== undefined) return found;
    }
    return this.#resolve(ref, tenant, version);
  }
}

/** The database file the store was opened on, if it is one: the key file goes beside it. */
function storeLocation(store: Store, options: EngineOptions): string | undefined {
  const path =
    options.store === undefined
      ? (options.db ?? './.weft/weft.db')
      : (store as { path?: unknown }).path;
  return typeof path === 'string' && path !== ':memory:' && path !== '' ? path : undefined;
}

/** Run inputs and answers: at most 4 MiB of JSON (SPEC section 10). */
export const MAX_DATA_BYTES = 4 * 1024 * 1024;

/**
 * Refuses data that is not plain JSON, nests deeper than the limit or exceeds 4 MiB — checked
 * without recursion, so that hostile input cannot overflow the stack.
 */
function checkData(
  value: unknown,
  limits: DslLimits,
  o: { code: ErrorCode; root: string; what: string },
): void {
  const check = checkPlainData(value, limits, 10 * MAX_DATA_BYTES);
  if (check.problem !== undefined) {
    const { path, message } = check.problem;
    const where =
      path.length === 0
        ? o.root
        : `${o.root}${typeof path[0] === 'number' ? '' : '.'}${formatPath(path)}`;
    throw new WeftError(o.code, `${o.what} is invalid: ${where}: ${message}`);
  }
  if (check.size > MAX_DATA_BYTES) {
    throw new WeftError(
      o.code,
      `${o.what} is too large: about ${check.size} bytes of JSON (limit ${MAX_DATA_BYTES} bytes)`,
    );
  }
}

export function describeDiagnostics(parsed: Extract<ParseResult, { ok: false }>): string {
  const lines = parsed.diagnostics.map((d) => {
    const at = d.line !== undefined ? `${d.line}:${d.column ?? 1}: ` : '';
    return `${at}${d.path === '' ? '' : `${d.path}: `}${d.message}`;
  });
  return `invalid definition: ${lines.join('; ')}`;
}
