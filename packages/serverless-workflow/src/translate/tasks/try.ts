/**
 * @module translate/tasks/try
 * `try`/`catch`: the nodes of the `try` list fail by `branch` (with the catch's retry policy) to
 * an `sw.catch` node, which takes its `caught` port when the error matches the catch and fails
 * with it again when not; the catch's `do` follows `caught`.
 */
import type { Compilation, Composite } from '../compilation.js';
import { durationMs } from '../duration.js';
import {
  isObj,
  type Exit,
  type Obj,
  type Out,
  type Path,
  type Scope,
  type WeftNode,
} from '../types.js';

export const tryTask: Composite = (cx, site, into, scope, then) => {
  const { task, path, pointer } = site;
  const before = scope.level.nodes.length;
  const r = cx.list(task['try'], [...path, 'try'], `${pointer}/try`, into, scope);
  const guarded = scope.level.nodes.slice(before);
  const c = isObj(task['catch']) ? task['catch'] : {};
  const retry = retryPolicy(cx, c['retry'], [...path, 'catch', 'retry']);
  const catchId = cx.id(`${site.name}_catch`);
  for (const n of guarded) {
    n.on_error = 'branch';
    if (retry !== undefined) n.retry = retry;
    scope.level.edges.push({ from: n.id, port: 'error', to: catchId });
  }
  const errors = isObj(c['errors']) && isObj(c['errors']['with']) ? c['errors']['with'] : {};
  for (const k of ['when', 'exceptWhen'] as const)
    if (c[k] !== undefined) cx.checkExpression([...path, 'catch', k], c[k], true);
  const failed = guarded.map((n) => n.id);
  const as = typeof c['as'] === 'string' ? c['as'] : 'error';
  // The catch, and the tasks after it, see the `$context` the try was entered with.
  const context = cx.flow.contextTemplate(into);
  const catchNode: WeftNode = {
    id: catchId,
    type: 'sw.catch',
    name: site.name,
    description: pointer,
    join: 'any',
    with: {
      input: cx.flow.template(into),
      vars: context === undefined ? scope.vars : { ...scope.vars, context },
      error: `{{ ${failedError(failed)} }}`,
      errors,
      ...(c['when'] === undefined ? {} : { when: c['when'] }),
      ...(c['exceptWhen'] === undefined ? {} : { exceptWhen: c['exceptWhen'] }),
      as,
    },
  };
  scope.level.nodes.push(catchNode);
  // A node of the try that failed is in the scope too (as `{ error }`): its exits count only
  // when it did not fail.
  const guardedIds = new Set(failed);
  const outs: Out[] = r.outs.map((o) => ({
    directive: then,
    exit: guardedIds.has(o.exit.from)
      ? {
          ...o.exit,
          taken: `($exists(${o.exit.from}) and $not($exists(${o.exit.from}.error.code)))`,
        }
      : o.exit,
  }));
  const caught: Exit = {
    from: catchId,
    port: 'caught',
    data: `${catchId}.data`,
    ...cx.flow.contextOf(into),
  };
  if (!Array.isArray(c['do'])) {
    outs.push({ directive: then, exit: caught });
    return { outs, ends: r.ends };
  }
  const catchScope: Scope = { ...scope, vars: { ...scope.vars, [as]: `{{ ${catchId}.error }}` } };
  const cr = cx.list(
    c['do'],
    [...path, 'catch', 'do'],
    `${pointer}/catch/do`,
    [caught],
    catchScope,
  );
  outs.push(...cr.outs.map((o) => ({ directive: then, exit: o.exit })));
  return { outs, ends: [...r.ends, ...cr.ends] };
};

/** The error of whichever of `ids` failed (a failed node handled by `branch` shows `{ error }`). */
function failedError(ids: string[]): string {
  return ids.reduceRight(
    (rest, id) => `($exists(${id}.error.code) ? ${id}.error : ${rest})`,
    'null',
  );
}

/** A retry policy (inline, or a name under `use.retries`) as Weft's node `retry`. */
function retryPolicy(cx: Compilation, value: unknown, path: Path): Obj | undefined {
  if (value === undefined) return undefined;
  let policy: unknown = value;
  if (typeof value === 'string') {
    const retries = isObj(cx.use['retries']) ? cx.use['retries'] : {};
    policy = retries[value];
    if (!isObj(policy)) {
      cx.error(path, `no retry policy \`${value}\` under \`use.retries\``);
      return undefined;
    }
  }
  const p = policy as Obj;
  if (p['when'] !== undefined || p['exceptWhen'] !== undefined)
    cx.unsupported(path, 'a retry policy with `when`/`exceptWhen`');
  const limit = isObj(p['limit']) && isObj(p['limit']['attempt']) ? p['limit']['attempt'] : {};
  const count = typeof limit['count'] === 'number' ? limit['count'] : 3;
  const delay = durationMs(p['delay']) ?? 1000;
  const backoff = isObj(p['backoff']) ? p['backoff'] : {};
  return {
    max_attempts: Math.max(1, Math.min(100, count + 1)),
    backoff: backoff['exponential'] !== undefined ? 'exponential' : 'fixed',
    initial_ms: delay,
  };
}
