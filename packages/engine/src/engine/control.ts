/**
 * @module engine/control
 * Steering runs from outside: pause, resume, cancel, retry, and answers to `human` nodes and to
 * nodes that asked from inside their execution (`ctx.ask`).
 */
import {
  machineActionAt,
  planNodeAt,
  runLogicOf,
  validateAgainst,
  WeftError,
  type DslLimits,
  type NodeRecord,
  type NodeState,
  type Plan,
  type Store,
} from '@weft/core';
import type { Runner, RunnerInput } from '../runtime/runner.js';
import { checkData } from './data-limits.js';
import type { Definitions } from './definitions.js';

export interface ControlDeps {
  store: Store;
  runner: Pick<Runner, 'send'>;
  definitions: Pick<Definitions, 'planOf'>;
  limits: DslLimits;
}

export class Control {
  readonly #deps: ControlDeps;

  constructor(deps: ControlDeps) {
    this.#deps = deps;
  }

  pause(runId: string): Promise<void> {
    return this.#send(runId, { type: 'pause' });
  }

  resume(runId: string): Promise<void> {
    return this.#send(runId, { type: 'resume' });
  }

  cancel(runId: string, reason?: string): Promise<void> {
    return this.#send(
      runId,
      reason === undefined ? { type: 'cancel' } : { type: 'cancel', reason },
    );
  }

  retry(runId: string, options: { from?: string } = {}): Promise<void> {
    return this.#send(
      runId,
      options.from === undefined ? { type: 'retry' } : { type: 'retry', from: options.from },
    );
  }

  async waitingForAnswer(runId: string): Promise<string[]> {
    const { plan, rows } = await this.#load(runId);
    const logic = runLogicOf(plan);
    return logic.awaitingAnswer(plan, logic.load(plan, rows.run, rows.nodes));
  }

  /** The answer is checked here, before the run sees it: a refused answer leaves the node waiting. */
  async input(runId: string, node: string, value: unknown): Promise<void> {
    const { plan, rows } = await this.#load(runId);
    const schema = answerSchema(runId, plan, rows.nodes, node);
    const what = `answer to ${node}`;
    checkData(value, this.#deps.limits, { code: 'invalid_answer', root: 'value', what });
    if (typeof schema === 'object' && schema !== null) {
      validateAgainst(schema, value, { code: 'invalid_answer', root: 'value', what });
    }
    await this.#deps.runner.send(runId, { type: 'human.input', node, value });
  }

  /**
   * An event for a state-machine run, bounded as any value that enters a run; the run refuses it
   * (`invalid_state`, with its state and the events it accepts) when its state takes no such event.
   */
  async send(runId: string, event: { type: string; data?: unknown }): Promise<void> {
    if (typeof event.type !== 'string' || !/^\S{1,256}$/.test(event.type)) {
      throw new WeftError(
        'invalid_request',
        'event type must be a string of 1 to 256 characters without spaces',
        {
          details: [
            { path: 'type', message: 'must be a string of 1 to 256 characters without spaces' },
          ],
        },
      );
    }
    const what = `event ${event.type}`;
    if (event.data !== undefined) {
      checkData(event.data, this.#deps.limits, { code: 'invalid_request', root: 'data', what });
    }
    // Stored as JSON: what the run sees is what a reload would see.
    const e =
      event.data === undefined
        ? { type: event.type }
        : { type: event.type, data: JSON.parse(JSON.stringify(event.data)) as unknown };
    await this.#deps.runner.send(runId, { type: 'event', event: e });
  }

  async #send(runId: string, input: RunnerInput): Promise<void> {
    await this.#deps.runner.send(runId, input);
  }

  async #load(runId: string) {
    const rows = await this.#deps.store.loadRun(runId);
    if (rows === undefined) throw new WeftError('not_found', `no run ${runId}`);
    const { tenant, workflowId, version } = rows.run;
    return { rows, plan: await this.#deps.definitions.planOf(tenant, workflowId, version) };
  }
}

/**
 * The schema an answer to `node` must match: the one a node asked with from inside its execution
 * (`ctx.ask`), or a `human` node's. Any other node cannot be answered.
 */
function answerSchema(
  runId: string,
  plan: Plan,
  nodes: readonly NodeRecord[],
  node: string,
): unknown {
  const row = nodes.find((n) => n.path === node);
  const asking =
    row?.status === 'waiting' ? (row.state as Partial<NodeState> | null)?.asking : undefined;
  if (asking !== undefined) return asking.schema;
  // A nested node is answered by its path (`each[2].ask`): its schema is its body node's.
  // A state machine's `human` action is answered by its path (`entry[2].approve`) too.
  const pn = planNodeAt(plan.root, node) ?? machineActionAt(plan, nodes, node);
  if (pn?.control === 'human') return pn.definition.with?.['schema'];
  if (row !== undefined) {
    throw new WeftError(
      'invalid_state',
      `node "${node}" is ${row.status}, not waiting for an answer`,
    );
  }
  throw new WeftError(
    'not_found',
    `run ${runId} has no human node "${node}" (a node in a foreach or loop body is named by its path, e.g. each[0].ask)`,
  );
}
