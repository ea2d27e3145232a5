/**
 * @module runtime/execute
 * Carries out one `execute` command: validates the rendered parameters, calls the node type's
 * `run` with a context, enforces the attempt's timeout, and feeds the result back as an input.
 */
import {
  WeftError,
  isRouted,
  toErrorInfo,
  toWeftError,
  type Clock,
  type Command,
  type CredentialResolver,
  type Logger,
  type NodeContext,
  type NodeRegistry,
} from '@weft/core';
import type { ActiveRun, RunnerInput } from './active-run.js';

export interface ExecuteEnv {
  registry: NodeRegistry;
  clock: Clock;
  log: Logger;
  maxOutputBytes: number;
  services: Record<string, unknown>;
  credentials: ((tenant: string) => CredentialResolver) | undefined;
  deliver(run: ActiveRun, input: RunnerInput): void;
}

const noCredentials: CredentialResolver = {
  get: (name) =>
    Promise.reject(new WeftError('credential_not_found', `no credential named "${name}"`)),
};

type Execute = Extract<Command, { type: 'execute' }>;

export function executeNode(env: ExecuteEnv, run: ActiveRun, cmd: Execute): void {
  const { path, attempt } = cmd;
  const fail = (e: unknown) => {
    const err = toWeftError(e);
    env.deliver(run, {
      type: 'node.error',
      path,
      attempt,
      error: { ...toErrorInfo(err), retryable: err.retryable },
    });
  };
  const type = env.registry.get(cmd.nodeType);
  if (type?.run === undefined) {
    return fail(
      new WeftError('unknown_node_type', `node type "${cmd.nodeType}" is not registered`),
    );
  }
  const parsed = type.params.safeParse(cmd.params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(params)'}: ${i.message}`)
      .join('; ');
    return fail(
      new WeftError('invalid_params', `parameters of ${path} after rendering: ${issues}`),
    );
  }
  const execution = new Execution();
  run.controllers.set(path, execution);
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
    emit: {
      progress: (data) =>
        env.deliver(run, { type: 'node.emit', path, attempt, kind: 'progress', data }),
      message: (text) =>
        env.deliver(run, { type: 'node.emit', path, attempt, kind: 'message', data: text }),
    },
    get log() {
      return (log ??= env.log.child({ runId: run.identity.id, node: path, attempt }));
    },
    credentials: env.credentials?.(run.identity.tenant) ?? noCredentials,
    services: env.services,
  };
  if (run.state.meta.hostAllow !== undefined) ctx.hostAllow = run.state.meta.hostAllow;
  const succeed = (result: unknown) => {
    done();
    if (execution.reason !== undefined) return fail(execution.reason);
    const routed = isRouted(result);
    let output: unknown = routed ? result.output : result;
    try {
      output = toStoredJson(output, env.maxOutputBytes, path);
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
    result = type.run(ctx, parsed.data);
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
 * One node execution in flight. Its AbortSignal is made only if the node asks for it: most nodes
 * never do, and an AbortController with a listener costs more than a simple node's whole run.
 */
class Execution {
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

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
  );
}

/** The output exactly as it will be stored and read back: JSON, within the size limit. */
function toStoredJson(value: unknown, maxBytes: number, path: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean')
    return Number.isFinite(value) || typeof value === 'boolean' ? value : null;
  if (typeof value === 'string' && value.length * 3 <= maxBytes) return value;
  const json = JSON.stringify(value);
  if (json === undefined) return null;
  if (json.length > maxBytes && Buffer.byteLength(json) > maxBytes) {
    throw new WeftError(
      'output_too_large',
      `output of ${path} is ${Buffer.byteLength(json)} bytes; the limit is ${maxBytes} bytes`,
    );
  }
  return JSON.parse(json) as unknown;
}
