/**
 * @module engine/starts
 * Starting runs of stored workflows, including starts that carry an idempotency key: every start
 * with one key gets one run, however many processes or requests race for it. Starts of workflows
 * with `singleton:` or `debounce:` go through `start-keys`; others pay one check of the plan.
 */
import {
  WeftError,
  type Clock,
  type DslLimits,
  type Plan,
  type RunIdentity,
  type Store,
} from '@weft/core';
import type { Runner } from '../runtime/runner.js';
import { uuidv7 } from '../ids.js';
import { checkInput } from './data-limits.js';
import type { Definitions, WorkflowRef } from './definitions.js';
import { StartKeyStarts, type KeyedStart, type Started } from './start-keys.js';

export type { Started } from './start-keys.js';

export interface StartOptions {
  input?: unknown;
  version?: number;
  idempotencyKey?: string;
  priority?: number;
  tenant?: string;
}

export interface StartsDeps {
  store: Store;
  runner: Pick<Runner, 'create'>;
  definitions: Pick<Definitions, 'resolve' | 'planOf'>;
  clock: Clock;
  limits: DslLimits;
  /** Tenant when none is given. */
  tenant: string;
  /** Cancels a run (a `singleton: { mode: cancel }` start replacing it). */
  cancel: (runId: string, reason: string) => Promise<void>;
  /** A debounced start falls due at `dueAt` (epoch ms). */
  debounced: (dueAt: number) => void;
}

export class Starts {
  readonly #deps: StartsDeps;
  readonly #keyedStarts = new Map<string, Promise<Started>>();
  readonly #startKeys: StartKeyStarts;

  constructor(deps: StartsDeps) {
    this.#deps = deps;
    this.#startKeys = new StartKeyStarts({
      store: deps.store,
      clock: deps.clock,
      cancel: deps.cancel,
      debounced: deps.debounced,
      create: (s, singletonKey, id) => this.#createChecked(s, singletonKey, undefined, id),
    });
  }

  async start(workflow: WorkflowRef, options: StartOptions = {}): Promise<Started> {
    const tenant = options.tenant ?? this.#deps.tenant;
    const ref = await this.#deps.definitions.resolve(workflow, tenant, options.version);
    const key = options.idempotencyKey;
    if (key === undefined) return this.#create(tenant, ref.id, ref.version, options);
    // Starts with one key share one run: concurrent ones wait for the first (no await between the
    // check and the claim), and a start that lost a race in the store finds the winner's run.
    const claim = `${tenant}\u0000${ref.id}\u0000${key}`;
    const pending = this.#keyedStarts.get(claim);
    if (pending !== undefined) return pending;
    const started = this.#startKeyed(tenant, ref, key, options).finally(() =>
      this.#keyedStarts.delete(claim),
    );
    this.#keyedStarts.set(claim, started);
    return started;
  }

  /** Creates the run of a debounced start that fell due (claimed by the caller). */
  fireDebounced: StartKeyStarts['fire'] = (d) => this.#startKeys.fire(d);

  async #startKeyed(
    tenant: string,
    ref: { id: string; version: number },
    key: string,
    options: StartOptions,
  ): Promise<Started> {
    const { store } = this.#deps;
    const existing = await store.findRunByIdempotencyKey(tenant, ref.id, key);
    if (existing !== undefined) return { id: existing.id, status: existing.status };
    try {
      return await this.#create(tenant, ref.id, ref.version, options);
    } catch (e) {
      const winner =
        WeftError.is(e) && e.code === 'store_conflict'
          ? await store.findRunByIdempotencyKey(tenant, ref.id, key)
          : undefined;
      if (winner === undefined) throw e;
      return { id: winner.id, status: winner.status };
    }
  }

  async #create(
    tenant: string,
    workflowId: string,
    version: number,
    options: StartOptions,
  ): Promise<Started> {
    const plan = await this.#deps.definitions.planOf(tenant, workflowId, version);
    const start: KeyedStart = {
      tenant,
      workflowId,
      version,
      input: checkInput(plan, options.input, this.#deps.limits),
      priority: options.priority ?? 0,
    };
    if (options.idempotencyKey !== undefined) start.idempotencyKey = options.idempotencyKey;
    if (plan.singleton !== undefined || plan.debounce !== undefined) {
      return this.#startKeys.start(plan, start);
    }
    return this.#createChecked(start, undefined, plan);
  }

  /** Creates the run of a start whose input is checked. */
  async #createChecked(
    s: KeyedStart,
    singletonKey: string | undefined,
    known?: Plan,
    id = uuidv7(),
  ): Promise<Started> {
    const plan = known ?? (await this.#deps.definitions.planOf(s.tenant, s.workflowId, s.version));
    const identity: RunIdentity = {
      id,
      tenant: s.tenant,
      workflowId: s.workflowId,
      version: s.version,
      createdAt: new Date(this.#deps.clock.now()).toISOString(),
      priority: s.priority,
    };
    if (s.idempotencyKey !== undefined) identity.idempotencyKey = s.idempotencyKey;
    const run = await this.#deps.runner.create(identity, plan, s.input, {}, singletonKey);
    return { id: identity.id, status: run.state.meta.status };
  }
}
