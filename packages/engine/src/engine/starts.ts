/**
 * @module engine/starts
 * Starting runs of stored workflows, including starts that carry an idempotency key: every start
 * with one key gets one run, however many processes or requests race for it.
 */
import { WeftError, type Clock, type DslLimits, type RunIdentity, type Store } from '@weft/core';
import type { Runner } from '../runtime/runner.js';
import { uuidv7 } from '../ids.js';
import { checkInput } from './data-limits.js';
import type { Definitions, WorkflowRef } from './definitions.js';

export interface StartOptions {
  input?: unknown;
  version?: number;
  idempotencyKey?: string;
  priority?: number;
  tenant?: string;
}

type Started = { id: string; status: string };

export interface StartsDeps {
  store: Store;
  runner: Pick<Runner, 'create'>;
  definitions: Pick<Definitions, 'resolve' | 'planOf'>;
  clock: Clock;
  limits: DslLimits;
  /** Tenant when none is given. */
  tenant: string;
}

export class Starts {
  readonly #deps: StartsDeps;
  readonly #keyedStarts = new Map<string, Promise<Started>>();

  constructor(deps: StartsDeps) {
    this.#deps = deps;
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
    const input = checkInput(plan, options.input, this.#deps.limits);
    const identity: RunIdentity = {
      id: uuidv7(),
      tenant,
      workflowId,
      version,
      createdAt: new Date(this.#deps.clock.now()).toISOString(),
      priority: options.priority ?? 0,
    };
    if (options.idempotencyKey !== undefined) identity.idempotencyKey = options.idempotencyKey;
    const run = await this.#deps.runner.create(identity, plan, input);
    return { id: identity.id, status: run.state.meta.status };
  }
}
