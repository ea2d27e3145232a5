/**
 * A small interpreter of the Serverless Workflow tasks `weft export sw` writes (set, if, export,
 * do, for, switch with `then` to a task of its list, wait, raise, try), evaluating their jq with
 * the `jq` program, for the round-trip test until the engine runs SW documents itself. It follows the SW 1.0 data flow: a task's output is the
 * next task's input, `export.as` replaces the context, the workflow's output is the last task's.
 */
import { execFileSync } from 'node:child_process';

/** Whether a `jq` program is on this machine. */
export function jqAvailable(): boolean {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Scope {
  context: unknown;
  workflow: { input: unknown };
  vars: Record<string, unknown>;
}

const EXPRESSION = /^\s*\$\{([\s\S]+)\}\s*$/;

function jq(expression: string, input: unknown, scope: Scope): unknown {
  const args = ['-c', '--argjson', 'context', JSON.stringify(scope.context ?? null)];
  args.push('--argjson', 'workflow', JSON.stringify(scope.workflow));
  for (const [k, v] of Object.entries(scope.vars)) args.push('--argjson', k, JSON.stringify(v));
  args.push(expression);
  const out = execFileSync('jq', args, {
    input: JSON.stringify(input ?? null),
    encoding: 'utf8',
  }).trim();
  return out === '' ? null : JSON.parse(out.split('\n')[0]!);
}

/** A value with runtime expressions (`${ ... }`) at any depth, evaluated. */
function evaluate(value: unknown, input: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    const m = EXPRESSION.exec(value);
    return m === null ? value : jq(m[1]!, input, scope);
  }
  if (Array.isArray(value)) return value.map((v) => evaluate(v, input, scope));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, evaluate(v, input, scope)]),
    );
  return value;
}

class Raised extends Error {
  constructor(readonly error: unknown) {
    super('raised');
  }
}

function runList(tasks: any[], input: unknown, scope: Scope): unknown {
  let data = input;
  const names = tasks.map((item) => Object.keys(item as object)[0]);
  for (let i = 0; i < tasks.length; i++) {
    const [, task] = Object.entries(tasks[i] as object)[0] as [string, any];
    if (task.if !== undefined && evaluate(task.if, data, scope) !== true) continue;
    if ('switch' in task) {
      // A case whose condition holds says where to go on: a task of this list, or on.
      const match = (task.switch as any[])
        .map((c) => Object.values(c as object)[0] as { when?: string; then: string })
        .find((c) => c.when === undefined || evaluate(c.when, data, scope) === true);
      const target = match === undefined ? -1 : names.indexOf(match.then);
      if (target >= 0) i = target - 1;
      continue;
    }
    data = runTask(task, data, scope);
    if (task.export?.as !== undefined) scope.context = evaluate(task.export.as, data, scope);
  }
  return data;
}

function runTask(task: any, input: unknown, scope: Scope): unknown {
  if ('set' in task) return evaluate(task.set, input, scope);
  if ('do' in task && !('for' in task)) return runList(task.do, input, scope);
  if ('wait' in task) return input;
  if ('raise' in task) throw new Raised(evaluate(task.raise.error, input, scope));
  if ('for' in task) {
    const items = evaluate(task.for.in, input, scope) as unknown[];
    let data = input;
    items.forEach((item, index) => {
      const vars = {
        ...scope.vars,
        [task.for.each ?? 'item']: item,
        [task.for.at ?? 'index']: index,
      };
      const inner: Scope = { ...scope, vars };
      data = runList(task.do, data, inner);
      scope.context = inner.context;
    });
    return data;
  }
  if ('try' in task) {
    try {
      return runList(task.try, input, scope);
    } catch (e) {
      if (!(e instanceof Raised) || task.catch?.do === undefined) throw e;
      const inner: Scope = {
        ...scope,
        vars: { ...scope.vars, [task.catch.as ?? 'error']: e.error },
      };
      const out = runList(task.catch.do, input, inner);
      scope.context = inner.context;
      return out;
    }
  }
  throw new Error(`the interpreter does not run this task: ${Object.keys(task).join(', ')}`);
}

/** Runs an exported document on `input`; its output. */
export function runSw(document: any, input: unknown): unknown {
  const scope: Scope = { context: {}, workflow: { input }, vars: {} };
  return runList(document['do'], input, scope);
}
