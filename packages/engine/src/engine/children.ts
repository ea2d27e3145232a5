/**
 * @module engine/children
 * Child runs of `subworkflow` nodes, started for the Runner. A start may be carried out again
 * after a crash, so it first looks for the child it would create. Starts are bounded in depth and
 * in number per run, so that a workflow calling itself ends with an error rather than without end;
 * and a child whose parent stopped waiting for it while its start was on the way is not created.
 */
import {
  isTerminal,
  WeftError,
  type Clock,
  type Command,
  type DslLimits,
  type Store,
} from '@weft/core';
import type {
  ActiveRun,
  ChildRuns as RunnerChildRuns,
  Runner,
  RunnerInput,
} from '../runtime/runner.js';
import { checkInput } from './data-limits.js';
import type { Definitions } from './definitions.js';

/** Resolves a `subworkflow` reference that is not a stored workflow id (e.g. a file path). */
export type WorkflowResolver = (
  ref: string,
  parent: { tenant: string; workflowId: string; version: number },
) => Promise<{ id: string; version: number } | undefined>;

export interface ChildRunsDeps {
  store: Store;
  runner: Pick<Runner, 'send' | 'create' | 'active'>;
  definitions: Pick<Definitions, 'resolve' | 'planOf'>;
  clock: Clock;
  limits: DslLimits;
  resolveWorkflow: WorkflowResolver | undefined;
  /** The engine's `maxChildDepth` and `maxChildRuns` (see `EngineOptions`). */
  bounds: { maxChildDepth: number; maxChildRuns: number };
}

type StartChild = Extract<Command, { type: 'start-child' }>;

export class ChildRuns implements RunnerChildRuns {
  readonly #deps: ChildRunsDeps;

  constructor(deps: ChildRunsDeps) {
    this.#deps = deps;
  }

  async start(parent: ActiveRun, cmd: StartChild): Promise<void> {
    const existing = await this.#deps.store.getRun(cmd.childRunId);
    if (existing !== undefined) {
      // Created before a crash: a finished child is reported again, a live one reports itself.
      if (isTerminal(existing.status)) {
        const input: RunnerInput = {
          type: 'child.finished',
          path: cmd.path,
          childRunId: existing.id,
          status: existing.status,
        };
        if (existing.output !== undefined) input.output = existing.output;
        if (existing.error !== undefined) input.error = existing.error;
        await this.#deps.runner.send(parent.identity.id, input);
      }
      return;
    }
    const depth = this.#check(parent, cmd);
    const tenant = parent.identity.tenant;
    const ref = await this.#resolve(cmd.workflow, cmd.version, parent);
    const plan = await this.#deps.definitions.planOf(tenant, ref.id, ref.version);
    const input = checkInput(plan, cmd.input, this.#deps.limits);
    // The parent may have been cancelled meanwhile, its cancel finding no child to reach: such a
    // child is not created. Nothing awaits from here until `create` makes the child known to the
    // Runner, so a cancel decided later finds it.
    if (!this.#awaited(parent, cmd)) return;
    await this.#deps.runner.create(
      {
        id: cmd.childRunId,
        tenant,
        workflowId: ref.id,
        version: ref.version,
        createdAt: new Date(this.#deps.clock.now()).toISOString(),
        priority: parent.identity.priority,
        parentRunId: parent.identity.id,
        parentPath: cmd.path,
      },
      plan,
      input,
      { hostAllow: parent.state.meta.hostAllow ?? [], depth },
    );
  }

  /** The new child's depth, once the bounds allow it. */
  #check(parent: ActiveRun, cmd: StartChild): number {
    const { maxChildDepth, maxChildRuns } = this.#deps.bounds;
    const depth = (parent.state.meta.depth ?? 0) + 1;
    if (depth > maxChildDepth) {
      throw new WeftError(
        'child_depth_exceeded',
        `a child run at depth ${depth} is past maxChildDepth (${maxChildDepth}): does the workflow call itself?`,
      );
    }
    if (cmd.childNumber > maxChildRuns) {
      throw new WeftError(
        'child_runs_exceeded',
        `run ${parent.identity.id} asked for its child run number ${cmd.childNumber}, past maxChildRuns (${maxChildRuns})`,
      );
    }
    return depth;
  }

  /** Whether the parent's node still waits for this child: it stops waiting when cancelled. */
  #awaited(parent: ActiveRun, cmd: StartChild): boolean {
    // The parent's live state: the object the command came from, unless it was loaded again.
    const run = this.#deps.runner.active(parent.identity.id) ?? parent;
    const ns = run.state.nodes.get(cmd.path);
    return ns?.kind === 'node' && ns.status === 'running' && ns.childRunId === cmd.childRunId;
  }

  /** The embedder's resolver first (file paths and the like), then the stored workflows. */
  async #resolve(ref: string, version: number | undefined, parent: ActiveRun) {
    const { tenant, workflowId } = parent.identity;
    const resolver = this.#deps.resolveWorkflow;
    if (resolver !== undefined) {
      const found = await resolver(ref, { tenant, workflowId, version: parent.identity.version });
      if (found !== undefined) return found;
    }
    return this.#deps.definitions.resolve(ref, tenant, version);
  }
}
