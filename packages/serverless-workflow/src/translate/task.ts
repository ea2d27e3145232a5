/**
 * @module translate/task
 * One task: its `if`, its filters, and the family that compiles it. A task that is one node
 * takes its filters as parameters; a task of several nodes (`do`, `for`, `fork`, `try`, `wait`,
 * `run`) gets filter nodes of its own around it. `export.as` follows either.
 */
import type { Compilation, Composite, Family } from './compilation.js';
import { exported, inputFilterNode, outputFilterNode, taskFilters } from './filters.js';
import { refuseTaskTimeout } from './refusals.js';
import { callTask } from './tasks/call.js';
import { emitTask, listenTask } from './tasks/events.js';
import { forTask } from './tasks/for.js';
import { forkTask } from './tasks/fork.js';
import { raiseTask } from './tasks/raise.js';
import { runTask } from './tasks/run.js';
import { setTask } from './tasks/set.js';
import { ifGuard, switchTask } from './tasks/switch.js';
import { tryTask } from './tasks/try.js';
import { waitTask } from './tasks/wait.js';
import {
  isObj,
  nothing,
  type Compiled,
  type Exit,
  type Frame,
  type Obj,
  type Scope,
  type Site,
} from './types.js';

/** The family of a task of one node, by the key that says its kind. */
function singleOf(task: Obj): Family | undefined {
  if (isObj(task['set']) || typeof task['set'] === 'string') return setTask;
  if (task['raise'] !== undefined) return raiseTask;
  if (typeof task['call'] === 'string') return callTask;
  if (isObj(task['emit'])) return emitTask;
  if (Array.isArray(task['switch'])) return switchTask;
  if (task['listen'] !== undefined) return listenTask;
  return undefined;
}

/** The family of a task of several nodes. */
function compositeOf(task: Obj): Composite | undefined {
  if (Array.isArray(task['do']) && task['for'] === undefined) return doTask;
  if (isObj(task['for'])) return forTask;
  if (isObj(task['fork'])) return forkTask;
  if (Array.isArray(task['try'])) return tryTask;
  if (task['wait'] !== undefined) return waitTask;
  if (isObj(task['run'])) return runTask;
  return undefined;
}

/** `do`: its list, in line. */
const doTask: Composite = (cx, site, into, scope, then) => {
  const r = cx.list(site.task['do'], [...site.path, 'do'], `${site.pointer}/do`, into, scope);
  return { outs: r.outs.map((o) => ({ directive: then, exit: o.exit })), ends: r.ends };
};

export function compileTask(cx: Compilation, site: Site, incoming: Exit[], scope: Scope): Compiled {
  const { name, task, path } = site;
  const then = typeof task['then'] === 'string' ? task['then'] : 'continue';
  const filters = taskFilters(cx, task, path);
  refuseTaskTimeout(cx, task, path);
  const { into, skipped } =
    task['if'] === undefined ? { into: incoming, skipped: [] } : ifGuard(cx, site, incoming, scope);
  const frame: Frame = { then, filters, skipped };

  const single = singleOf(task);
  if (single !== undefined) return single(cx, site, into, scope, frame);
  const composite = compositeOf(task);
  if (composite === undefined) {
    cx.error(
      path,
      `\`${name}\` is not a task Weft knows (set, switch, do, for, fork, try, raise, wait, call, emit, run)`,
    );
    return nothing();
  }
  const inner = inputFilterNode(cx, site, into, scope, filters);
  const result = composite(cx, site, inner, scope, then);
  const exits = outputFilterNode(
    cx,
    site,
    result.outs.map((o) => o.exit),
    scope,
    filters,
  );
  const outs = exits.map((exit) => ({ directive: then, exit }));
  const done = exported(cx, site, outs, scope, skipped);
  return { outs: done.outs, ends: [...result.ends, ...done.ends] };
}
