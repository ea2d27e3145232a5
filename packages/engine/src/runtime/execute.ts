/**
 * @module runtime/execute
 * Carries out one `execute` command: takes a token of the node's rate, validates the rendered
 * parameters, calls the node type's `run` with a context (its token budgets in `ctx.tokens`, see
 * `token-budget.ts`), enforces the attempt's timeout (which starts once the rate let the node
 * through), and feeds the result back as an input.
 * What the node hands back is checked here, where it enters the run (see `stored-json.ts`): an
 * output too large or too deep fails the node, so its retries and on_error apply as usual.
 */
import {
  WeftError,
  isRouted,
  toErrorInfo,
  toWeftError,
  type Clock,
  type Command,
  type CredentialResolver,
  type ErrorInfo,
  type Logger,
  type NodeContext,
  type NodeRegistry,
  type NodeType,
  type TokenBudget,
  type TokenBudgets,
} from '@weft/core';
import type { ActiveRun, RunnerInput } from './active-run.js';
import { nodeBucket } from './node-bucket.js';
import { admit, DEFAULT_RATE_HOLD_MS, type RateStore } from './rate-gate.js';
import { tokenBudget } from './token-budget.js';
import { SUSPENDED, SubSteps, type RecordedSteps } from './sub-steps.js';
import { toStoredJson, type ValueLimits } from './stored-json.js';

export interface ExecuteEnv {
  registry: NodeRegistry;
  clock: Clock;
  log: Logger;
  maxOutputBytes: number;
  maxDepth: number;
  services: Record<string, unknown>;
  credentials: ((tenant: string) => CredentialResolver) | undefined;
  deliver(run: ActiveRun, input: RunnerInput): void;
  /** Feeds an input and resolves once it is committed; rejects if the run could not be saved. */
  commit(run: ActiveRun, input: RunnerInput): Promise<void>;
  /** The sub-steps recorded for the node at `path` at positions below `count`. */
  recordedSteps(run: ActiveRun, path: string, count: number): Promise<RecordedSteps>;
  /** The store's rate buckets, shared by every worker on it. */
  rates: RateStore;
  /** The store's token budgets, shared by every worker on it. */
  budgets: TokenBudgets;
}

export const noCredentials: CredentialResolver = {
  get: (name) =>
    Promise.reject(new WeftError('credential_not_found', `no credential named "${name}"`)),
};

type Execute = Extract<Command, { type: 'execute' }>;

/** Longest error message kept, in characters: past it a message is cut. */
const MAX_MESSAGE = 16 * 1024;

/**
 * Carries out an execute command. A node that ran before with recorded sub-steps gets them loaded
 * first, so that `ctx.step` and `ctx.ask` replay them; a node with a `rate` takes a token from its
 * bucket first, waiting for one if need be (see `rate-gate.ts`).
 */
export function executeNode(env: ExecuteEnv, run: ActiveRun, cmd: Execute): void {
  const loadSteps = cmd.steps !== undefined && cmd.steps > 0;
  if (!loadSteps && cmd.rate === undefined) return executeWith(env, run, cmd, []);
  // Held as the node's execution while its steps load and its rate lets it through, so that a
  // cancel or a shutdown meanwhile stops it before it begins.
  const before = new AbortController();
  const holder = { abort: (reason: unknown) => before.abort(reason) };
  run.controllers.set(cmd.path, holder);
  const begins = () => {
    const current = run.controllers.get(cmd.path) === holder;
    if (current) run.controllers.delete(cmd.path);
    return current && !before.signal.aborted;
  };
  const prepare = async () => {
    const recorded = loadSteps ? await env.recordedSteps(run, cmd.path, cmd.steps ?? 0) : [];
    if (cmd.rate === undefined) return { recorded, ended: undefined };
    const take = {
      tenant: run.identity.tenant,
      bucket: nodeBucket(cmd.rate.key, cmd.nodeType, cmd.params),
      limit: cmd.rate.limit,
      perMs: cmd.rate.perMs,
      holdMs: cmd.timeoutMs ?? DEFAULT_RATE_HOLD_MS,
    };
    return { recorded, ended: await admit(env.rates, take, before.signal, env.log) };
  };
  prepare().then(
    ({ recorded, ended }) => {
      if (begins()) executeWith(env, run, cmd, recorded, ended);
      else ended?.();
    },
    (e: unknown) =>
      begins() &&
      env.deliver(run, {
        type: 'node.error',
        path: cmd.path,
        attempt: cmd.attempt,
        error: { ...toErrorInfo(toWeftError(e)), retryable: true },
      }),
  );
}

/** @param ended - called once when the execution has ended (its rate token is given back). */
function executeWith(
  env: ExecuteEnv,
  run: ActiveRun,
  cmd: Execute,
  recorded: RecordedSteps,
  ended: () => void = () => undefined,
): void {
  const { path, attempt } = cmd;
  const limits: ValueLimits = { maxBytes: env.maxOutputBytes, maxDepth: env.maxDepth };
  const fail = (e: unknown) => {
    ended();
    if (e === SUSPENDED) return;
    env.deliver(run, { type: 'node.error', path, attempt, error: storedError(e, limits, path) });
  };
  const type = env.registry.get(cmd.nodeType);
  if (type?.run === undefined) {
    return fail(
      new WeftError('unknown_node_type', `node type "${cmd.nodeType}" is not registered`),
    );
  }
  let params: unknown;
  try {
    params = checkedParams(type, cmd.params, path);
  } catch (e) {
    return fail(e);
  }
  const execution = new Execution();
  run.controllers.set(path, execution);
  // Made on first use, as the signal is: most nodes never record a step or spend a token.
  let steps: SubSteps | undefined;
  const subSteps = (): SubSteps =>
    (steps ??= new SubSteps(recorded, {
      record: (index, name, value) =>
        env.commit(run, { type: 'node.step', path, attempt, index, name, value }),
      ask: (index, name, prompt, schema) => {
        env.deliver(run, {
          type: 'node.ask',
          path,
          attempt,
          index,
          name,
          prompt,
          ...(schema === undefined ? {} : { schema }),
        });
        execution.abort(SUSPENDED);
      },
      stored: (value, what) => toStoredJson(value, limits, `${what} of ${path}`),
      stopped: () => execution.reason,
    }));
  let tokens: TokenBudget | undefined;
  let timeout: ReturnType<typeof setTimeout> | undefined;
  if (cmd.timeoutMs !== undefined) {
    const ms = cmd.timeoutMs;
    timeout = setTimeout(
      () =>
        execution.abort(
          new WeftError('timeout', `attempt timed out after ${ms} ms`, { retryable: true }),
        ),
      ms,
    );
  }
  const done = () => {
    ended();
    if (timeout !== undefined) clearTimeout(timeout);
    if (run.controllers.get(path) === execution) run.controllers.delete(path);
  };
  let log: Logger | undefined;
  const ctx: NodeContext = {
    runId: run.identity.id,
    workflowId: run.identity.workflowId,
    nodeId: cmd.nodeId,
    path,
    attempt,
    idempotencyKey: cmd.idempotencyKey,
    get signal() {
      return execution.signal;
    },
    // Data a node emits enters the run as its output does; data that cannot fails the node.
    emit: {
      progress: (data) => {
        let value: unknown;
        try {
          value = toStoredJson(data, limits, `progress data of ${path}`);
        } catch (e) {
          return execution.abort(e);
        }
        env.deliver(run, { type: 'node.emit', path, attempt, kind: 'progress', data: value });
      },
      message: (text) => {
        let value: unknown;
        try {
          value = toStoredJson(String(text), limits, `message of ${path}`);
        } catch (e) {
          return execution.abort(e);
        }
        env.deliver(run, { type: 'node.emit', path, attempt, kind: 'message', data: value });
      },
    },
    get log() {
      return (log ??= env.log.child({ runId: run.identity.id, node: path, attempt }));
    },
    credentials: env.credentials?.(run.identity.tenant) ?? noCredentials,
    services: env.services,
    step: (name, fn) => subSteps().step(name, fn),
    ask: (name, request) => subSteps().ask(name, request),
    get tokens() {
      return (tokens ??= tokenBudget(
        cmd.tokens,
        (spent) => env.deliver(run, { type: 'node.tokens', path, attempt, tokens: spent }),
        cmd.budget === undefined
          ? undefined
          : {
              store: env.budgets,
              clock: env.clock,
              log: ctx.log,
              tenant: run.identity.tenant,
              bucket: nodeBucket(cmd.budget.key, cmd.nodeType, cmd.params),
              budget: cmd.budget,
              path,
            },
      ));
    },
  };
  if (run.state.meta.hostAllow !== undefined) ctx.hostAllow = run.state.meta.hostAllow;
  const succeed = (result: unknown) => {
    done();
    if (execution.reason !== undefined) return fail(execution.reason);
    const routed = isRouted(result);
    let output: unknown = routed ? result.output : result;
    try {
      output = toStoredJson(output, limits, `output of ${path}`);
    } catch (e) {
      return fail(e);
    }
    env.deliver(
      run,
      routed
        ? { type: 'node.result', path, attempt, output, port: result.port }
        : { type: 'node.result', path, attempt, output },
    );
  };
  let result: unknown;
  try {
    result = type.run(ctx, params);
  } catch (e) {
    done();
    return fail(e);
  }
  if (!isPromiseLike(result)) return succeed(result);
  // A node that ignores its signal must not hold the run past its timeout or a cancel.
  Promise.race([result, execution.abandoned()]).then(succeed, (e: unknown) => {
    done();
    fail(execution.reason ?? e);
  });
}

/**
 * The rendered parameters as the node type's schema reads them (its defaults applied).
 * @throws WeftError `invalid_params` naming each problem
 */
export function checkedParams(type: NodeType, params: unknown, path: string): unknown {
  const parsed = type.params.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(params)'}: ${i.message}`)
    .join('; ');
  throw new WeftError('invalid_params', `parameters of ${path} after rendering: ${issues}`);
}

/**
 * One node execution in flight. Its AbortSignal is made only if the node asks for it: most nodes
 * never do, and an AbortController with a listener costs more than a simple node's whole run.
 */
export class Execution {
  reason: unknown;
  #controller: AbortController | undefined;
  #abandon: ((reason: unknown) => void) | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.reason !== undefined) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.#controller?.abort(reason);
    this.#abandon?.(reason);
  }

  /** Rejects when the execution is aborted. */
  abandoned(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.reason !== undefined) reject(this.reason);
      else this.#abandon = reject;
    });
  }
}

export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * A node's failure as it will be stored: its details within the limits (else left out, and the
 * message says why), its message at most {@link MAX_MESSAGE} characters.
 */
export function storedError(e: unknown, limits: ValueLimits, path: string): ErrorInfo {
  const err = toWeftError(e);
  const info: ErrorInfo = { ...toErrorInfo(err), retryable: err.retryable };
  let note = '';
  if (info.details !== undefined) {
    try {
      info.details = toStoredJson(info.details, limits, `the details of the error of ${path}`);
    } catch (problem) {
      delete info.details;
      note = ` (details left out: ${toWeftError(problem).message})`;
    }
  }
  const message = String(info.message);
  info.message =
    message.length > MAX_MESSAGE
      ? `${message.slice(0, MAX_MESSAGE)}… (${message.length - MAX_MESSAGE} more characters)${note}`
      : `${message}${note}`;
  return info;
}
