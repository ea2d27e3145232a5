/**
 * @module engine
 * The library face: `Engine` opens a store, registers node types, and starts, watches and steers
 * runs. The CLI and the server are thin layers over it. The work is done by the parts in
 * `engine/` (definitions, starts, watch, control, child runs); this class builds them over one
 * store and one Runner and hands calls on.
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
  silentLogger,
  systemClock,
  WeftError,
  type Logger,
  type NodeType,
  type Diagnostic,
  type ParseResult,
  type RunEvent,
  type RunIdentity,
  type RateBuckets,
  type Store,
} from '@weft/core';
import type { NodeTestRequest, NodeTestResult, WeftClient } from '@weft/core/client';
import { standardNodes } from '@weft/nodes';
import { openPostgresStore } from '@weft/store-postgres';
import { openSqliteStore } from '@weft/store-sqlite';
import { readFileSync } from 'node:fs';
import { localClient } from './client/local-client.js';
import { ClusterMember } from './runtime/cluster.js';
import { Credentials } from './credentials/credentials.js';
import { SecretKey } from './credentials/secret-key.js';
import type { Control } from './engine/control.js';
import type { Definitions, WorkflowRef } from './engine/definitions.js';
import { DEFAULT_DB, runBounds, storeLocation, type EngineOptions } from './engine/options.js';
import { buildParts } from './engine/parts.js';
import { Retention, type PruneRequest } from './engine/retention.js';
import { Sweeper } from './engine/sweeper.js';
import type { Debouncer } from './engine/debouncer.js';
import type { NodeTests } from './engine/node-test.js';
import type { Started, StartOptions, Starts } from './engine/starts.js';
import type { Watch } from './engine/watch.js';
import { ApiKeys } from './keys/keys.js';
import type { RunView } from './run-view.js';
import type { Runner } from './runtime/runner.js';
import { startScheduler, type Scheduler } from './triggers/scheduler.js';
import { Webhooks } from './triggers/webhooks.js';

export type { EngineOptions, WorkerOptions } from './engine/options.js';
export type { WorkflowResolver } from './engine/children.js';
export type { Started, StartOptions } from './engine/starts.js';
export type { PruneRequest, RetentionBounds } from './engine/retention.js';
export type { RetentionOptions } from './engine/sweeper.js';

/** A run id no run has: reading it exercises the store without finding anything. */
/**
 * On a store many processes share, an engine that carries runs on is one of many workers. One
 * opened only to read or to answer (`autoStart: false`) takes part in nothing.
 */
function clusterMember(
  store: Store,
  options: EngineOptions,
  log: Logger,
): ClusterMember | undefined {
  if (store.cluster === undefined || options.autoStart === false) return undefined;
  const w = options.worker ?? {};
  for (const key of ['concurrency', 'leaseMs', 'pollMs'] as const) {
    const v = w[key];
    const least = key === 'concurrency' ? 0 : 1;
    if (v !== undefined && (!Number.isSafeInteger(v) || v < least)) {
      throw new WeftError(
        'invalid_argument',
        `worker.${key} must be a whole number of at least ${least}`,
      );
    }
  }
  return new ClusterMember({
    ports: store.cluster,
    log,
    version: ENGINE_VERSION,
    concurrency: w.concurrency ?? 64,
    leaseMs: w.leaseMs ?? 10_000,
    pollMs: w.pollMs ?? 1000,
    claims: w.claims !== false,
  });
}

const ENGINE_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const PROBE_RUN_ID = '00000000-0000-0000-0000-000000000000';

/** The statuses of runs that are not finished. */
export const QUEUE_STATUSES = ['queued', 'running', 'waiting', 'paused'] as const;

/** How often `run` looks whether a debounced start's run was made. */
const DEBOUNCED_POLL_MS = 50;

export class Engine {
  readonly registry: NodeRegistry;
  readonly store: Store;
  readonly log: Logger;
  /** Credentials of every tenant: write-only values, encrypted at rest. */
  readonly credentials: Credentials;
  /** API keys stored hashed (`weft keys create`). */
  readonly keys: ApiKeys;
  /** Webhook triggers: `engine.webhooks.deliver(request)`. */
  readonly webhooks: Webhooks;
  /**
   * Rate buckets in the store, shared by every worker on it (`Store.takeRateToken`): the server's
   * start rate per tenant draws on them.
   */
  readonly rates: Pick<RateBuckets, 'takeRateToken'>;
  readonly #runner: Runner;
  readonly #definitions: Definitions;
  readonly #starts: Starts;
  readonly #debouncer: Debouncer;
  readonly #nodeTests: NodeTests;
  readonly #watch: Watch;
  readonly #control: Control;
  readonly #tenant: string;
  readonly #ownsStore: boolean;
  readonly #secretKey: SecretKey;
  readonly #retention: Retention;
  #sweeper: Sweeper | undefined;
  readonly #schedulers = new Set<Scheduler>();
  #closing: Promise<void> | undefined;

  private constructor(store: Store, ownsStore: boolean, options: EngineOptions) {
    this.store = store;
    this.#ownsStore = ownsStore;
    const tenant = options.tenant ?? 'default';
    this.#tenant = tenant;
    this.log = options.log ?? silentLogger;
    const clock = options.clock ?? systemClock;
    const where = storeLocation(store, options);
    this.#secretKey = new SecretKey(store, {
      secret: options.secretKey ?? process.env['WEFT_SECRET_KEY'],
      keyFile: options.keyFile ?? (where === undefined ? undefined : `${where}.key`),
      label: where ?? 'the store',
      log: this.log,
    });
    this.credentials = new Credentials(store, this.#secretKey, clock, tenant);
    this.keys = new ApiKeys(store, clock);
    this.webhooks = new Webhooks(this, { clock, limits: options.limits });
    this.rates = { takeRateToken: (take) => store.takeRateToken(take) };
    this.registry = new NodeRegistry([...standardNodes, ...(options.nodes ?? [])]);
    const parts = buildParts({
      cluster: clusterMember(store, options, this.log),
      store,
      registry: this.registry,
      clock,
      log: this.log,
      tenant,
      limits: options.limits,
      credentials: options.credentials ?? ((t) => this.credentials.resolver(t)),
      resolveWorkflow: options.resolveWorkflow,
      bounds: runBounds(options),
      nodeTestMs: options.nodeTestTimeoutMs,
      changed: () => this.#schedulers.forEach((s) => s.wake()),
    });
    this.#runner = parts.runner;
    this.#definitions = parts.definitions;
    this.#starts = parts.starts;
    this.#watch = parts.watch;
    this.#control = parts.control;
    this.#debouncer = parts.debouncer;
    this.#nodeTests = parts.nodeTests;
    this.#retention = new Retention({ store, runner: this.#runner, clock, log: this.log });
  }

  /** Opens the store, applies migrations, and carries on every unfinished run. */
  static async open(options: EngineOptions = {}): Promise<Engine> {
    const log = options.log === undefined ? {} : { log: options.log };
    const store =
      options.store ??
      (options.postgres !== undefined
        ? await openPostgresStore({ url: options.postgres, ...log })
        : await openSqliteStore({
            path: options.db ?? DEFAULT_DB,
            synchronous: options.synchronous ?? 'FULL',
            lock: options.lock ?? true,
            ...(options.shared === true ? { shared: true } : {}),
            ...(options.sqliteWriter === undefined ? {} : { writer: options.sqliteWriter }),
            ...log,
          }));
    try {
      await store.migrate();
      const engine = new Engine(store, options.store === undefined, options);
      // Before any run is carried on: a wrong key must stop the start, not fail nodes one by one.
      if (options.autoStart !== false) await engine.#secretKey.check();
      if (options.autoStart !== false) await engine.#runner.start();
      if (options.autoStart !== false) await engine.#debouncer.start();
      if (options.scheduler === true)
        startScheduler(engine, { clock: options.clock ?? systemClock });
      if (options.retention !== undefined && options.autoStart !== false) {
        engine.#sweeper = new Sweeper(engine.#retention, options.retention, engine.log);
        engine.#sweeper.start();
      }
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

  /** Parses and validates definition text (YAML or JSON) or an object: see `validateWorkflow`. */
  validate(source: string | object, options: { format?: 'yaml' | 'json' } = {}): ParseResult {
    return this.#definitions.validate(source, options);
  }

  /**
   * What `publish` would answer, storing nothing: `validate` and the checks against the tenant's
   * stored workflows (call cycles, webhook paths) and this engine. A dry run.
   */
  check(
    source: string | object,
    options: { tenant?: string; format?: 'yaml' | 'json' } = {},
  ): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
    return this.#definitions.check(source, options);
  }

  /** Validates and stores a definition as a new version (the same content keeps its version). */
  publish(
    source: string | object,
    options: { tenant?: string; format?: 'yaml' | 'json' } = {},
  ): Promise<{ id: string; version: number; created: boolean }> {
    return this.#definitions.publish(source, options);
  }

  /**
   * Deletes every version of a workflow, and its schedules; its runs are kept (a run in progress
   * finishes on the version it started with). Returns false when there was none.
   */
  deleteWorkflow(id: string, options: { tenant?: string } = {}): Promise<boolean> {
    return this.#definitions.delete(id, options);
  }

  /** @internal `moveTenant` calls it: what the engine knew of `tenant`'s workflows is gone. */
  tenantMoved(tenant: string): void {
    this.#definitions.forgetTenant(tenant);
  }

  /** @internal `startScheduler` registers here: woken on publish, stopped on close. */
  attachScheduler(scheduler: Scheduler): () => void {
    this.#schedulers.add(scheduler);
    return () => this.#schedulers.delete(scheduler);
  }

  /** Starts a run of a stored workflow (by id) or of a definition (published first). */
  start(workflow: WorkflowRef, options: StartOptions = {}): Promise<Started> {
    return this.#starts.start(workflow, options);
  }

  /** Starts a run and waits until it finishes or waits for an answer, an event or a timer. */
  async run(workflow: WorkflowRef, options: StartOptions = {}): Promise<RunView> {
    const started = await this.start(workflow, options);
    if (started.debounced !== undefined) await this.made(started.id);
    return this.wait(started.id);
  }

  /**
   * Resolves once a debounced start's run exists (it is made when its burst ends); rejects
   * `not_found` when no start is pending any more and the run was not made.
   */
  async made(runId: string): Promise<void> {
    while ((await this.store.getRun(runId)) === undefined) {
      // No start is pending any more, and the run was not made: its start failed (see the log).
      if ((await this.store.nextDebounceDue()) === undefined) {
        if ((await this.store.getRun(runId)) !== undefined) return;
        throw new WeftError('not_found', `debounced run ${runId} was not made; see the log`);
      }
      await new Promise((resolve) => setTimeout(resolve, DEBOUNCED_POLL_MS));
    }
  }

  /**
   * Resolves with the run once it is finished or, with `until: 'idle'` (the default), once it
   * cannot go on without someone: paused, or waiting for a human answer. Waits for timers.
   */
  wait(runId: string, options: { until?: 'idle' | 'finished' } = {}): Promise<RunView> {
    return this.#watch.wait(runId, options);
  }

  /** The run as the API shows it, or undefined. */
  get(runId: string, options: { tenant?: string } = {}): Promise<RunView | undefined> {
    return this.#watch.get(runId, options);
  }

  /**
   * The run's events after `after` (seq), then live ones as they are committed, without gaps or
   * duplicates. Ends after a terminal event unless `follow` is false, which ends at the stored end.
   */
  events(
    runId: string,
    options: { after?: number; follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<RunEvent> {
    return this.#watch.events(runId, options);
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
    return this.#control.pause(runId);
  }

  resume(runId: string): Promise<void> {
    return this.#control.resume(runId);
  }

  /**
   * Carries on here a `running` run that no live process carries (its process died), as a worker
   * would claim it; a run a live worker holds stays there. For an engine that claims nothing
   * (`worker.claims` false), such as `weft runs resume` on a shared file.
   */
  async carryOn(runId: string): Promise<void> {
    await this.#runner.carryOn(runId);
  }

  cancel(runId: string, reason?: string): Promise<void> {
    return this.#control.cancel(runId, reason);
  }

  retry(runId: string, options: { from?: string } = {}): Promise<void> {
    return this.#control.retry(runId, options);
  }

  /**
   * Deletes a finished run and everything stored for it, its child runs too, and gives its disk
   * back. Without `tenant`, the run's own.
   * @throws WeftError `not_found`; `invalid_state` when it, or a child run, is not finished.
   */
  async deleteRun(runId: string, options: { tenant?: string } = {}): Promise<void> {
    const tenant = options.tenant ?? (await this.store.getRun(runId))?.tenant;
    if (tenant === undefined) throw new WeftError('not_found', `no run ${runId}`);
    return this.#retention.delete(tenant, runId);
  }

  /**
   * Deletes the finished runs that match (of every tenant unless `tenant` is given) and gives their
   * disk back; runs not finished are never deleted. `olderThanMs`, `keepLatest` or both are needed.
   */
  pruneRuns(request: PruneRequest): Promise<{ deleted: number; freedBytes: number }> {
    return this.#retention.prune(request);
  }

  /**
   * Runs one node of a definition alone, storing nothing (see `engine/node-test.ts`): its output,
   * or its error as a run would record it. Without `tenant`, the engine's.
   */
  testNode(
    request: NodeTestRequest & { tenant?: string; signal?: AbortSignal },
  ): Promise<NodeTestResult> {
    const { tenant = this.#tenant, signal, ...rest } = request;
    return this.#nodeTests.test(tenant, rest, signal);
  }

  /** Paths of the run's human nodes that wait for an answer. */
  waitingForAnswer(runId: string): Promise<string[]> {
    return this.#control.waitingForAnswer(runId);
  }

  /**
   * Sends an event to a state-machine run: queued durably and applied in arrival order.
   * @throws WeftError `invalid_state` (with `details: { state, accepts }`) when the state the run
   * is in has no transition for it, or the run is finished; `invalid_request` for a bad event.
   */
  send(runId: string, event: { type: string; data?: unknown }): Promise<void> {
    return this.#control.send(runId, event);
  }

  /** Answers a waiting `human` node; the answer is validated against the node's schema. */
  input(runId: string, node: string, value: unknown): Promise<void> {
    return this.#control.input(runId, node, value);
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
      await this.#sweeper?.stop();
      await Promise.all([...this.#schedulers].map((s) => s.stop()));
      await this.#debouncer.stop();
      await this.#runner.close();
      if (this.#ownsStore) await this.store.close();
    })();
    return this.#closing;
  }
}
