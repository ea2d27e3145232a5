/**
 * @module runtime/execute-alone
 * One node execution outside any run (a node test): the same context a run's execution gets
 * (`execute.ts`) — the tenant's credentials, the node's rate and token budget, its timeout, output
 * limits — but nothing is delivered to a run: its progress and messages go nowhere, its sub-steps
 * (`ctx.step`) run without being recorded, and a question (`ctx.ask`) ends it, since nobody can
 * answer one. One attempt: no retry, no on_error.
 */
import {
  isRouted,
  WeftError,
  type Clock,
  type CredentialResolver,
  type ErrorInfo,
  type Logger,
  type NodeBudget,
  type NodeContext,
  type NodeRate,
  type NodeRegistry,
  type TokenBudgets,
} from '@weft/core';
import { checkedParams, Execution, isPromiseLike, storedError } from './execute.js';
import { nodeBucket } from './node-bucket.js';
import { admit, type RateStore } from './rate-gate.js';
import { SubSteps } from './sub-steps.js';
import { toStoredJson, type ValueLimits } from './stored-json.js';
import { tokenBudget } from './token-budget.js';

export interface AloneEnv {
  registry: NodeRegistry;
  clock: Clock;
  log: Logger;
  limits: ValueLimits;
  services: Record<string, unknown>;
  credentials: CredentialResolver;
  rates: RateStore;
  budgets: TokenBudgets;
}

/** The execution to make: the node as its run's `execute` command would describe it. */
export interface AloneJob {
  tenant: string;
  /** A run id no run has: the node's `ctx.runId` and the base of its idempotency key. */
  runId: string;
  workflowId: string;
  nodeId: string;
  path: string;
  nodeType: string;
  /** Rendered. */
  params: unknown;
  /** Already capped by the caller. */
  timeoutMs: number;
  /** Tokens the run's and the node's `limits.tokens` leave (all of them: nothing was spent). */
  tokens: number | undefined;
  rate: NodeRate | undefined;
  budget: NodeBudget | undefined;
  /** Stops the execution (the server shutting down, the caller gone). */
  signal?: AbortSignal | undefined;
}

export type AloneResult =
  { ok: true; output: unknown; port?: string } | { ok: false; error: ErrorInfo };

/** Runs the node once; its failure is a result, never a throw. */
export async function executeAlone(env: AloneEnv, job: AloneJob): Promise<AloneResult> {
  const { limits, log } = env;
  const { path } = job;
  const failed = (e: unknown): AloneResult => ({ ok: false, error: storedError(e, limits, path) });
  const type = env.registry.get(job.nodeType);
  if (type?.run === undefined) {
    return failed(
      new WeftError('unknown_node_type', `node type "${job.nodeType}" is not registered`),
    );
  }
  let params: unknown;
  try {
    params = checkedParams(type, job.params, path);
  } catch (e) {
    return failed(e);
  }
  const execution = new Execution();
  const stop = () =>
    execution.abort(new WeftError('aborted', `the test of node ${path} was stopped`));
  if (job.signal?.aborted === true) stop();
  job.signal?.addEventListener('abort', stop, { once: true });
  let ended: () => void = () => undefined;
  let timeout: ReturnType<typeof setTimeout> | undefined;
  try {
    if (job.rate !== undefined) {
      const take = {
        tenant: job.tenant,
        bucket: nodeBucket(job.rate.key, job.nodeType, job.params),
        limit: job.rate.limit,
        perMs: job.rate.perMs,
        holdMs: job.timeoutMs,
      };
      ended = await admit(env.rates, take, execution.signal, log);
    }
    if (execution.reason !== undefined) return failed(execution.reason);
    // As in a run, the timeout starts once the rate let the node through.
    const ms = job.timeoutMs;
    timeout = setTimeout(
      () =>
        execution.abort(
          new WeftError('timeout', `attempt timed out after ${ms} ms`, { retryable: true }),
        ),
      ms,
    );
    const result = type.run(contextOf(env, job, execution), params);
    const value = isPromiseLike(result)
      ? await Promise.race([result, execution.abandoned()])
      : result;
    if (execution.reason !== undefined) return failed(execution.reason);
    const routed = isRouted(value);
    const output = toStoredJson(routed ? value.output : value, limits, `output of ${path}`);
    return routed ? { ok: true, output, port: value.port } : { ok: true, output };
  } catch (e) {
    return failed(execution.reason ?? e);
  } finally {
    if (timeout !== undefined) clearTimeout(timeout);
    ended();
    job.signal?.removeEventListener('abort', stop);
  }
}

function contextOf(env: AloneEnv, job: AloneJob, execution: Execution): NodeContext {
  const { path, tenant } = job;
  const limits = env.limits;
  let log: Logger | undefined;
  // Nothing is recorded: a step runs each time, its result still held to the output limits.
  const steps = new SubSteps([], {
    record: () => Promise.resolve(),
    ask: (_index, name) =>
      execution.abort(
        new WeftError(
          'node_not_testable',
          `node ${path} asks for an answer (${name}), which a node test cannot give: run the workflow to answer it`,
        ),
      ),
    stored: (value, what) => toStoredJson(value, limits, `${what} of ${path}`),
    stopped: () => execution.reason,
  });
  const ctx: NodeContext = {
    runId: job.runId,
    workflowId: job.workflowId,
    nodeId: job.nodeId,
    path,
    attempt: 1,
    idempotencyKey: `${job.runId}:${path}`,
    get signal() {
      return execution.signal;
    },
    emit: { progress: () => undefined, message: () => undefined },
    get log() {
      return (log ??= env.log.child({ nodeTest: job.runId, tenant, node: path }));
    },
    credentials: env.credentials,
    services: env.services,
    step: (name, fn) => steps.step(name, fn),
    ask: (name, request) => steps.ask(name, request),
    tokens: tokenBudget(
      job.tokens,
      () => undefined,
      job.budget === undefined
        ? undefined
        : {
            store: env.budgets,
            clock: env.clock,
            get log() {
              return ctx.log;
            },
            tenant,
            bucket: nodeBucket(job.budget.key, job.nodeType, job.params),
            budget: job.budget,
            path,
          },
    ),
  };
  return ctx;
}
