/**
 * @module engine/start-keys
 * Starts of workflows with `singleton:` or `debounce:` (see docs/semantics.md). The store decides
 * every race: a singleton key is unique among unfinished runs in the run's first commit, and the
 * starts of one debounce key join one pending row. What this module adds is what a start answers.
 */
import {
  startKeyOf,
  WeftError,
  type Clock,
  type DebounceRecord,
  type Plan,
  type Store,
} from '@weft/core';
import { uuidv7 } from '../ids.js';

/** What a start answers. */
export interface Started {
  id: string;
  status: string;
  /**
   * Nothing started: `id` is the unfinished run of the `singleton:` key (in `cancel` mode, one
   * that a concurrent start of the key made while this one ran).
   */
  skipped?: true;
  /** `singleton: { mode: cancel }` cancelled this unfinished run of the key to start this one. */
  replaced?: string;
  /**
   * `debounce:` — the run starts at `dueAt` (ISO 8601) unless a later start of its key pushes it
   * back; `joined` when an earlier start of the key announced it.
   */
  debounced?: { dueAt: string; joined: boolean };
}

/** A start of a known version with its checked input. */
export interface KeyedStart {
  tenant: string;
  workflowId: string;
  version: number;
  input: unknown;
  priority: number;
  /** Kept on the run a singleton start creates; a debounced start keeps none. */
  idempotencyKey?: string;
}

export interface StartKeysDeps {
  store: Store;
  clock: Clock;
  /** Creates the run (under `id` if given) with its singleton key. */
  create(start: KeyedStart, singletonKey: string | undefined, id?: string): Promise<Started>;
  /** Cancels a run and resolves once its cancel is committed. */
  cancel(runId: string, reason: string): Promise<void>;
  /** A debounced start is due at `dueAt`: fire it then. */
  debounced(dueAt: number): void;
}

/** Tries of a `cancel` start that keeps meeting new runs of its key: each cancels one. */
const CANCEL_TRIES = 5;
/** No `debounce.timeout`: a burst can push its run back for ever. */
const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

export class StartKeyStarts {
  readonly #d: StartKeysDeps;

  constructor(deps: StartKeysDeps) {
    this.#d = deps;
  }

  /** A start of a workflow with `singleton:` or `debounce:` (the plan has one). */
  start(plan: Plan, s: KeyedStart): Promise<Started> {
    const now = this.#d.clock.now();
    if (plan.debounce !== undefined) {
      return this.#debounce(s, startKeyOf('debounce', plan.debounce.key, s, now), plan.debounce);
    }
    const singleton = plan.singleton!;
    const key = startKeyOf('singleton', singleton.key, s, now);
    return singleton.mode === 'cancel' ? this.#cancelling(s, key) : this.#skipping(s, key);
  }

  async #skipping(s: KeyedStart, key: string): Promise<Started> {
    const { store } = this.#d;
    // A start that lost the race finds the winner; one whose holder finished in between tries again.
    for (;;) {
      const holder = await store.findSingletonRun(s.tenant, s.workflowId, key);
      if (holder !== undefined) return { id: holder.id, status: holder.status, skipped: true };
      try {
        return await this.#d.create(s, key);
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
  }

  async #cancelling(s: KeyedStart, key: string): Promise<Started> {
    const { store } = this.#d;
    const began = new Date(this.#d.clock.now()).toISOString();
    let replaced: string | undefined;
    for (let i = 0; i < CANCEL_TRIES; i++) {
      const holder = await store.findSingletonRun(s.tenant, s.workflowId, key);
      // A start racing this one made its run meanwhile: it is as new as this one, and it stays.
      if (holder !== undefined && i > 0 && holder.createdAt >= began) {
        return { id: holder.id, status: holder.status, skipped: true };
      }
      if (holder !== undefined) {
        await this.#d
          .cancel(holder.id, 'replaced by a newer start of its singleton key')
          .catch((e: unknown) => {
            // It finished on its own meanwhile: the key is free all the same.
            if (!(WeftError.is(e) && e.code === 'invalid_state')) throw e;
          });
        replaced = holder.id;
      }
      try {
        const started = await this.#d.create(s, key);
        return replaced === undefined ? started : { ...started, replaced };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new WeftError(
      'store_conflict',
      `singleton key ${JSON.stringify(key)} of workflow ${s.workflowId} was taken by another start ${CANCEL_TRIES} times in a row; try again`,
    );
  }

  async #debounce(
    s: KeyedStart,
    key: string,
    d: { periodMs: number; timeoutMs: number | undefined },
  ): Promise<Started> {
    const now = this.#d.clock.now();
    const pending = await this.#d.store.debounceStart({
      tenant: s.tenant,
      workflowId: s.workflowId,
      version: s.version,
      input: s.input,
      priority: s.priority,
      key,
      runId: uuidv7(),
      dueAt: now + d.periodMs,
      deadline: d.timeoutMs === undefined ? NO_DEADLINE : now + d.timeoutMs,
    });
    this.#d.debounced(pending.dueAt);
    return {
      id: pending.runId,
      status: 'queued',
      debounced: { dueAt: new Date(pending.dueAt).toISOString(), joined: !pending.created },
    };
  }

  /**
   * Creates the run of a due debounced start (claimed by the caller), unless a firer before it
   * that died after creating it did.
   */
  async fire(d: DebounceRecord): Promise<void> {
    if (d.fired && (await this.#d.store.getRun(d.runId)) !== undefined) return;
    const start: KeyedStart = {
      tenant: d.tenant,
      workflowId: d.workflowId,
      version: d.version,
      input: d.input,
      priority: d.priority,
    };
    await this.#d.create(start, undefined, d.runId);
  }
}

const isConflict = (e: unknown): boolean => WeftError.is(e) && e.code === 'store_conflict';
