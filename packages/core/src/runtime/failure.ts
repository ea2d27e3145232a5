/**
 * @module runtime/failure
 * How failures travel: an attempt's failure retries or applies the node's on_error, a failed body
 * fails its owner, a failure at the top fails the run; and how work in flight is cancelled.
 */
import { causeOf, type ErrorInfo } from '../errors.js';
import { toScopeValue } from '../expr/index.js';
import type { AttemptError, Decider } from './decider.js';
import { finishNode, release } from './finish.js';
import { pump } from './readiness.js';
import type { NodeState } from './state.js';
import { backoffDelay } from './time.js';

/** Longest wait a `retry_after_ms` from a node may impose before a retry. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * One attempt failed. Retries when the error is retryable and attempts remain (unless `final`);
 * otherwise applies the node's on_error.
 */
export function failNode(d: Decider, ns: NodeState, error: AttemptError, final = false): void {
  const pn = d.planNode(ns);
  release(d, ns);
  ns.failures++;
  d.touch(ns.path);
  const { retryable, ...info } = error;
  if (!final && retryable === true && ns.failures < pn.retry.maxAttempts) {
    const delay = Math.max(
      backoffDelay(pn.retry, ns.failures, `${d.meta.runId}:${ns.path}`),
      Math.min(info.retry_after_ms ?? 0, MAX_RETRY_AFTER_MS),
    );
    ns.status = 'pending';
    ns.retryAt = new Date(d.at + delay).toISOString();
    d.meta.backoff++;
    d.addTimer(ns, 'retry', d.at + delay);
    d.emit('node.retrying', ns.path, { attempt: ns.attempts, delay_ms: delay, error: info });
    pump(d);
    return;
  }
  ns.error = info;
  ns.finishedAt = d.iso;
  ns.status = 'failed';
  const onError = pn.onError;
  if (onError.kind === 'fail') {
    d.emit('node.failed', ns.path, { error: info, attempts: ns.attempts });
    return failFrame(d, ns.frame, info, ns);
  }
  ns.handled = onError.kind;
  ns.output = onError.kind === 'return' ? onError.value : null;
  const errorView = { code: info.code, message: info.message };
  d.scopeOf(ns.frame)[ns.nodeId] = toScopeValue(
    onError.kind === 'return' ? onError.value : { error: errorView },
  );
  d.emit('node.failed', ns.path, { error: info, attempts: ns.attempts, handled: true });
  finishNode(d, ns, onError.kind === 'branch' ? 'error' : 'out');
}

/** A node of a body failed for good: the body instance fails, and so does its owner. */
function failFrame(d: Decider, frame: string, error: ErrorInfo, culprit: NodeState): void {
  if (frame === '') return failRun(d, error);
  const fs = d.frameState(frame);
  if (fs.status !== 'running') return;
  fs.status = 'failed';
  fs.error = error;
  d.touch(frame);
  const owner = d.nodeState(fs.owner);
  cancelWork(d, `${owner.path}[`, 'run_failed');
  const where = culprit.path.slice(owner.path.length);
  const message = `${where}: ${error.message}`;
  failNode(d, owner, { code: error.code, message, cause: causeOf(error) }, true);
}

export function failRun(d: Decider, error: ErrorInfo): void {
  cancelWork(d, '', 'run_failed');
  d.meta.status = 'failed';
  d.meta.error = error;
  d.meta.finishedAt = d.iso;
  d.disarmRunTimeout();
  d.emit('run.failed', undefined, { error });
  d.commands.push({ type: 'finished', status: 'failed' });
}

/** Cancels everything in flight under a path prefix ('' for the whole run). */
export function cancelWork(d: Decider, prefix: string, reason: 'cancelled' | 'run_failed'): void {
  for (const s of d.state.nodes.values()) {
    if (!s.path.startsWith(prefix)) continue;
    if (s.kind === 'frame') {
      if (s.status === 'running' && s.path !== '') {
        s.status = 'cancelled';
        d.touch(s.path);
      }
      continue;
    }
    cancelNode(d, s, reason);
  }
  if (prefix === '') d.meta.queue = [];
  else d.meta.queue = d.meta.queue.filter((p) => !p.startsWith(prefix));
}

function cancelNode(d: Decider, ns: NodeState, reason: 'cancelled' | 'run_failed'): void {
  const inBackoff = ns.status === 'pending' && ns.retryAt !== undefined;
  if (ns.queued === true) {
    ns.queued = false;
    d.touch(ns.path);
  }
  if (ns.status !== 'running' && ns.status !== 'waiting' && !inBackoff) return;
  if (ns.status === 'running') {
    const control = d.planNode(ns).control;
    if (control === undefined) d.commands.push({ type: 'abort', path: ns.path, reason });
    else control.cancel?.(d, ns);
  }
  if (inBackoff) {
    d.meta.backoff--;
    d.commands.push({
      type: 'cancel-timer',
      id: `${d.meta.runId}:${ns.path}#retry${ns.attempts}`,
    });
    ns.retryAt = undefined;
  }
  release(d, ns);
  ns.status = 'cancelled';
  ns.finishedAt = d.iso;
  d.touch(ns.path);
  d.emit('node.cancelled', ns.path, { reason });
}
