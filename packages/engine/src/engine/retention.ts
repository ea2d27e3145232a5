/**
 * @module engine/retention
 * Deleting finished runs and giving their disk back: one run (`DELETE /v1/runs/{id}`,
 * `weft runs delete`), the runs a prune selects (`weft runs prune`), and the sweep that applies
 * each workflow's `retention` (or the engine-wide default) on a timer (./sweeper.ts).
 *
 * The store refuses runs that are not finished. The engine also spares the runs it still holds in
 * memory — finished, but with a node being stopped — whose last commit is still to come: deleting
 * them now would let that commit bring a part of them back.
 */
import {
  isTerminal,
  WeftError,
  type Clock,
  type Logger,
  type PruneQuery,
  type Store,
  type TerminalRunStatus,
} from '@weft/core';
import type { Runner } from '../runtime/runner.js';

/** Bounds of how long finished runs are kept: past either one, they are deleted. */
export interface RetentionBounds {
  /** Days after a run finished. */
  days?: number;
  /** The newest this many finished runs of a workflow are kept. */
  runs?: number;
}

export interface PruneRequest {
  tenant?: string;
  workflow?: string;
  /** Runs that finished more than this many ms ago. */
  olderThanMs?: number;
  statuses?: readonly TerminalRunStatus[];
  /** All but the newest this many of the runs selected. */
  keepLatest?: number;
}

export interface RetentionDeps {
  store: Store;
  runner: Pick<Runner, 'active'>;
  clock: Clock;
  log: Logger;
}

const DAY_MS = 86_400_000;

export class Retention {
  readonly #deps: RetentionDeps;
  /** The reclaim in progress, and whether another must follow it (deletes came meanwhile). */
  #reclaiming: Promise<number> | undefined;
  #again: Promise<number> | undefined;

  constructor(deps: RetentionDeps) {
    this.#deps = deps;
  }

  /** See `Engine.deleteRun`. */
  async delete(tenant: string, runId: string): Promise<void> {
    const { store, runner } = this.#deps;
    if (runner.active(runId) !== undefined) {
      const run = await store.getRun(runId);
      if (run !== undefined && run.tenant === tenant) {
        throw new WeftError(
          'invalid_state',
          isTerminal(run.status)
            ? `run ${runId} is still stopping its nodes: try again in a moment`
            : `run ${runId} is ${run.status}: only a finished run can be deleted (cancel it first)`,
        );
      }
    }
    if (!(await store.deleteRun(tenant, runId)))
      throw new WeftError('not_found', `no run ${runId}`);
    await this.reclaim();
  }

  /** See `Engine.pruneRuns`. */
  async prune(request: PruneRequest): Promise<{ deleted: number; freedBytes: number }> {
    const deleted = await this.#deps.store.pruneRuns(this.#queryOf(request));
    const freedBytes = deleted > 0 ? await this.reclaim() : 0;
    return { deleted, freedBytes };
  }

  /**
   * Applies retention once: each workflow's own `retention`, else `defaults`, to its finished runs
   * of each tenant. Workflows that were deleted follow `defaults`.
   * @returns the runs deleted and the bytes given back.
   */
  async sweep(
    defaults: RetentionBounds,
    signal?: AbortSignal,
  ): Promise<{ deleted: number; freedBytes: number }> {
    const { store } = this.#deps;
    let deleted = 0;
    for (const { tenant, id } of await store.workflowIds()) {
      if (signal?.aborted === true) break;
      // One workflow at a time, and the event loop in between: a sweep never stalls the engine.
      await new Promise((resolve) => setImmediate(resolve));
      const latest = await store.getWorkflow(tenant, id);
      const bounds = latest?.definition.retention ?? defaults;
      if (bounds.days === undefined && bounds.runs === undefined) continue;
      const request: PruneRequest = { tenant, workflow: id };
      if (bounds.days !== undefined) request.olderThanMs = bounds.days * DAY_MS;
      if (bounds.runs !== undefined) request.keepLatest = bounds.runs;
      deleted += await store.pruneRuns(this.#queryOf(request));
    }
    const freedBytes = deleted > 0 ? await this.reclaim() : 0;
    return { deleted, freedBytes };
  }

  #queryOf(request: PruneRequest): PruneQuery {
    const query: PruneQuery = { spare: (id) => this.#deps.runner.active(id) !== undefined };
    if (request.tenant !== undefined) query.tenant = request.tenant;
    if (request.workflow !== undefined) query.workflowId = request.workflow;
    if (request.statuses !== undefined) query.statuses = request.statuses;
    if (request.keepLatest !== undefined) query.keepLatest = request.keepLatest;
    if (request.olderThanMs !== undefined) {
      query.finishedBefore = new Date(this.#deps.clock.now() - request.olderThanMs).toISOString();
    }
    return query;
  }

  /**
   * Gives deleted runs' disk back. Calls that come while one runs share the next one, so a burst of
   * deletes costs two passes, not one each.
   */
  reclaim(): Promise<number> {
    if (this.#reclaiming === undefined) {
      this.#reclaiming = this.#deps.store.reclaimSpace().finally(() => {
        this.#reclaiming = undefined;
      });
      return this.#reclaiming;
    }
    this.#again ??= this.#reclaiming
      .catch(() => 0)
      .then(() => {
        this.#again = undefined;
        return this.reclaim();
      });
    return this.#again;
  }
}
