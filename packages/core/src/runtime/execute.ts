/**
 * @module runtime/execute
 * Carries out one `execute` command: validates the rendered parameters, calls the node type's
 * `run` with a context, enforces the attempt's timeout, and feeds the result back as an input.
 */
import { toErrorInfo, toWeftError, WeftError } from '../errors.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { isRouted, type CredentialResolver, type NodeContext } from '../nodes/types.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Command } from './protocol.js';
import type { ActiveRun, RunnerInput } from './runner.js';

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
    return fail(new WeftError('unknown_node_type', `node type "${cmd.nodeType}" is not registered`));
  }
  const parsed = type.params.safeParse(cmd.params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(params)'}: ${i.message}`)
      .join('; ');
    return fail(new WeftError('invalid_params', `parameters of ${path} after rendering: ${issues}`));
  }
  const controller = new AbortController();
  run.controllers.set(path, controller);
  let timeout: ReturnType<typeof setTimeout> | undefined;
  if (cmd.timeoutMs !== undefined) {
    const ms = cmd.timeoutMs;
    timeout = setTimeout(
      () =>
        controller.abort(
          new WeftError('timeout', `attempt timed out after ${ms} ms`, { retryable: true }),
        ),
      ms,
    );
  }
  const done = () => {
    if (timeout !== undefined) clearTimeout(timeout);
    if (run.controllers.get(path) === controller) run.controllers.delete(path);
  };
  const ctx: NodeContext = {
    runId: run.identity.id,
    workflowId: run.identity.workflowId,
    nodeId: cmd.nodeId,
    path,
    attempt,
    idempotencyKey: cmd.idempotencyKey,
    signal: controller.signal,
    emit: {
      progress: (data) => env.deliver(run, { type: 'node.emit', path, attempt, kind: 'progress', data }),
      message: (text) =>
        env.deliver(run, { type: 'node.emit', path, attempt, kind: 'message', data: text }),
    },
    log: env.log.child({ runId: run.identity.id, node: path, attempt }),
    credentials: env.credentials?.(run.identity.tenant) ?? noCredentials,
    scope: {},
    services: env.services,
  };
  const succeed = (result: unknown) => {
    done();
    if (controller.signal.aborted) return fail(controller.signal.reason);
    const routed = isRouted(result);
    let output: unknown = routed ? result.output : result;
    try {
      output = toStoredJson(output, env.maxOutputBytes, path);
    } catch (e) {
      return fail(e);
    }
    env.deliver(run, routed ? { type: 'node.result', path, attempt, output, port: result.port } : { type: 'node.result', path, attempt, output });
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
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(controller.signal.reason);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  Promise.race([result, aborted]).then(succeed, (e: unknown) => {
    done();
    fail(controller.signal.aborted ? controller.signal.reason : e);
  });
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The output exactly as it will be stored and read back: JSON, within the size limit. */
function toStoredJson(value: unknown, maxBytes: number, path: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return Number.isFinite(value) || typeof value === 'boolean' ? value : null;
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
