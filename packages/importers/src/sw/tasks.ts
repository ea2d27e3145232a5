/**
 * @module importers/sw/tasks
 * One Weft node -> one Serverless Workflow task that keeps the node's output in the context
 * under its id. What maps: set, transform, noop, end/output, message (as a set), if and switch
 * (as a set of the decision, which later tasks' `if` read), fail (raise), wait, http (call:
 * http), subworkflow (run: workflow), foreach (for), loop (a do with a for and its while), and
 * `retry`/`on_error: continue | return` (try/catch). Nodes of other types (llm, agent, tool,
 * code, human, memory, knowledge)
 * become a placeholder `set` of null and are listed as not mapped.
 */
import type { NodeDefinition } from '@weft/core';
import { str } from '../expr.js';
import type { Path } from '../source.js';
import type { ExportContext, Task } from './context.js';
import { graphOutputJq } from './output.js';
import { text, toJq, toJqCondition, toSwValue, Unmappable, type JqScope } from './jq.js';

export type { Task } from './context.js';

const keep = (id: string) => ({ as: `\${ $context + { ${JSON.stringify(id)}: . } }` });
const expr = (jq: string) => `\${ ${jq} }`;
/** A bare Weft expression (conditions, `transform`) may also be written as a template. */
const bare = (e: unknown) => str(e, 'null').replace(/^\s*\{\{([\s\S]*)\}\}\s*$/, '$1');

const NOT_MAPPED: Record<string, string> = {
  llm: 'model calls have no Serverless Workflow task (call: a model API over http by hand)',
  agent: 'model calls have no Serverless Workflow task',
  tool: 'MCP tool calls have no Serverless Workflow task',
  code: "Weft's sandboxed code returns a value; an SW run: script returns its process output",
  human: 'waiting for a person has no Serverless Workflow task (listen waits for events)',
  memory: "Weft's conversation memory is kept in its store",
  knowledge: "Weft's knowledge collections are kept in its store",
};

export function taskOf(
  ctx: ExportContext,
  node: NodeDefinition,
  path: Path,
  scope: JqScope,
  taskPath: Path,
): Task {
  const note = (t: string) => ctx.notes.push({ path: taskPath.slice(0, -1), text: t });
  try {
    const task = body(ctx, node, path, scope, taskPath, note);
    return wrapErrors(ctx, node, path, task, note);
  } catch (e) {
    if (!(e instanceof Unmappable)) throw e;
    ctx.leaveOut(node, path, e.message);
    note(`not mapped: Weft ${node.type} node ${node.id} (${e.message})`);
    return { set: '${ null }', export: keep(node.id) };
  }
}

function body(
  ctx: ExportContext,
  node: NodeDefinition,
  path: Path,
  scope: JqScope,
  taskPath: Path,
  note: (t: string) => void,
): Task {
  const w = (node.with ?? {}) as Record<string, any>;
  const set = (value: unknown): Task => {
    const v = toSwValue(value, scope);
    const empty =
      typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
    return {
      set: empty
        ? '${ {} }'
        : typeof v === 'string' && !v.startsWith('${')
          ? expr(JSON.stringify(v))
          : v,
      export: keep(node.id),
    };
  };
  switch (node.type) {
    case 'set':
      return set(w['values'] ?? {});
    case 'end':
    case 'output':
      return set(w['values'] ?? {});
    case 'message':
      note('message: SW has no message stream; the text is set as { text }');
      return set({ text: w['text'] ?? '' });
    case 'transform':
      return { set: expr(toJq(bare(w['expression']), scope)), export: keep(node.id) };
    case 'noop':
      return { set: '${ null }', export: keep(node.id) };
    case 'if':
      return { set: expr(toJqCondition(bare(w['condition']), scope)), export: keep(node.id) };
    case 'switch': {
      const cases: any[] = Array.isArray(w['cases']) ? w['cases'] : [];
      const chain = cases
        .map(
          (c) => `if ${toJqCondition(bare(c.when), scope)} then ${JSON.stringify(String(c.port))}`,
        )
        .join(' el');
      return {
        set: expr(cases.length === 0 ? '"default"' : `${chain} else "default" end`),
        export: keep(node.id),
      };
    }
    case 'fail': {
      const code = String(w['code'] ?? 'failed');
      const message = w['message'] === undefined ? undefined : toSwValue(w['message'], scope);
      return {
        raise: {
          error: {
            type: `https://weft.dev/errors/${encodeURIComponent(code)}`,
            status: 500,
            ...(message === undefined ? {} : { title: message }),
          },
        },
      };
    }
    case 'wait': {
      if (w['until'] !== undefined)
        throw new Unmappable('wait until a time has no SW form (wait takes a duration)');
      const d = w['duration'];
      const wait =
        typeof d === 'number' || /^\d+$/.test(String(d)) ? { milliseconds: Number(d) } : String(d);
      return {
        wait,
        export: {
          as: `\${ $context + { ${JSON.stringify(node.id)}: { "waited_until": (now | todate) } } }`,
        },
      };
    }
    case 'http':
      return http(node, w, scope, note);
    case 'subworkflow': {
      const workflow = String(w['workflow'] ?? '');
      const name = workflow.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, '');
      if (name !== workflow)
        note(`the file ${workflow} is the workflow named ${name}: export it too`);
      return {
        run: {
          workflow: {
            namespace: 'weft',
            name: name.replace(/[^a-zA-Z0-9-]+/g, '-'),
            version: w['version'] === undefined ? '1.0.0' : `${String(w['version'])}.0.0`,
            ...(w['input'] === undefined ? {} : { input: toSwValue(w['input'], scope) }),
          },
        },
        export: keep(node.id),
      };
    }
    case 'foreach':
      return forEach(ctx, node, w, path, scope, taskPath, note);
    case 'loop':
      return loop(ctx, node, w, path, scope, taskPath);
    default:
      throw new Unmappable(
        NOT_MAPPED[node.type] ?? `node type ${node.type} has no Serverless Workflow task`,
      );
  }
}

function http(
  node: NodeDefinition,
  w: Record<string, any>,
  scope: JqScope,
  note: (t: string) => void,
): Task {
  if (w['credential'] !== undefined)
    throw new Unmappable('credentials are not exported (SW authentication policies differ)');
  const url = String(w['url'] ?? '');
  const query = w['query'] as Record<string, unknown> | undefined;
  const withs: Record<string, unknown> = {
    method: String(w['method'] ?? 'GET').toLowerCase(),
    endpoint: url.includes('{{') ? toSwValue(url, scope) : url,
    output: 'response',
  };
  if (w['headers'] !== undefined) withs['headers'] = toSwValue(w['headers'], scope);
  if (query !== undefined) withs['query'] = toSwValue(query, scope);
  if (w['body'] !== undefined) withs['body'] = toSwValue(w['body'], scope);
  if (w['expect_status'] !== undefined || w['response'] !== undefined)
    note(
      'expect_status and response are not exported: SW raises on a status that is not 2xx and reads the body by its content type',
    );
  return {
    call: 'http',
    with: withs,
    export: {
      as: `\${ $context + { ${JSON.stringify(node.id)}: { "status": .statusCode, "headers": .headers, "body": .content } } }`,
    },
  };
}

/**
 * A foreach as a `for` task. Each body's output is appended to the context under the foreach's
 * id, which holds the list of body outputs once the loop ends, as Weft's foreach output does.
 */
function forEach(
  ctx: ExportContext,
  node: NodeDefinition,
  w: Record<string, any>,
  path: Path,
  scope: JqScope,
  taskPath: Path,
  note: (t: string) => void,
): Task {
  if (w['workflow'] !== undefined)
    throw new Unmappable('a foreach of child runs is not exported yet');
  const level = { nodes: node.nodes ?? [], edges: node.edges ?? [] };
  const inner: JqScope = { ...scope, inBody: true };
  const id = JSON.stringify(node.id);
  const bodyIds = level.nodes.map((n) => `.[${JSON.stringify(n.id)}]`);
  const reset = {
    set: '${ null }',
    export: { as: `\${ $context${bodyIds.length > 0 ? ` | del(${bodyIds.join(', ')})` : ''} }` },
  };
  const tasks = ctx.tasksOf(level, path, inner, [...taskPath, 'do'], 1);
  const value = graphOutputJq(level);
  const collect = {
    set: expr(value),
    export: { as: `\${ $context + { ${id}: (($context[${id}] // []) + [ . ]) } }` },
  };
  if (Number(w['concurrency'] ?? 1) > 1)
    note('the bodies run one after the other (SW for is sequential)');
  return {
    for: { each: 'item', in: expr(toJq(bare(w['items']), scope)), at: 'index' },
    do: [{ [`${node.id}_reset`]: reset }, ...tasks, { [`${node.id}_collect`]: collect }],
    // No body ran for an empty list: the output is still a list.
    export: { as: `\${ $context + { ${id}: ($context[${id}] // []) } }` },
  };
}

/**
 * A loop as a `do` of its own: a `for` over at most `max_iterations` turns whose body runs the
 * loop's nodes, with a `while` that goes on while the condition holds, then `{ output, iterations
 * }`. The context keeps `ID__iteration` (from 1 in the body) and `ID__previous` (the last body
 * output). Not a `switch` whose `then` goes back: SW allows it, but a `for` says the same thing
 * and is what runtimes that keep flows acyclic (Weft's among them) run.
 */
function loop(
  ctx: ExportContext,
  node: NodeDefinition,
  w: Record<string, any>,
  path: Path,
  scope: JqScope,
  taskPath: Path,
): Task {
  const level = { nodes: node.nodes ?? [], edges: node.edges ?? [] };
  const inner: JqScope = { ...scope, loop: node.id };
  const key = (name: string) => JSON.stringify(`${node.id}__${name}`);
  const bodyIds = level.nodes.map((n) => `.[${JSON.stringify(n.id)}]`);
  const next = {
    set: '${ null }',
    export: {
      as: `\${ $context${bodyIds.length > 0 ? ` | del(${bodyIds.join(', ')})` : ''} | .[${key('iteration')}] += 1 }`,
    },
  };
  const bodyPath = [...taskPath, 'do', 1, `${node.id}_body`, 'do'];
  const tasks = ctx.tasksOf(level, path, inner, bodyPath, 1);
  const keepOutput = {
    set: expr(graphOutputJq(level)),
    export: { as: `\${ $context + { ${key('previous')}: . } }` },
  };
  const max = Number(w['max_iterations'] ?? 100);
  // True before the first turn too, for runtimes that check `while` before each turn.
  const again = `$context[${key('iteration')}] == 0 or (${toJqCondition(bare(w['while']), inner)})`;
  return {
    do: [
      {
        [`${node.id}_start`]: {
          set: '${ null }',
          export: { as: `\${ $context + { ${key('iteration')}: 0, ${key('previous')}: null } }` },
        },
      },
      {
        [`${node.id}_body`]: {
          for: { each: 'weft_turn', in: expr(`[range(${max})]`), at: 'weft_turn_index' },
          while: expr(again),
          do: [{ [`${node.id}_next`]: next }, ...tasks, { [`${node.id}_keep`]: keepOutput }],
        },
      },
      {
        [`${node.id}_done`]: {
          set: expr(
            `{ "output": $context[${key('previous')}], "iterations": $context[${key('iteration')}] }`,
          ),
        },
      },
    ],
    export: keep(node.id),
  };
}

/** `retry` and `on_error: continue | { return }` as try/catch; `branch` does not map. */
function wrapErrors(
  ctx: ExportContext,
  node: NodeDefinition,
  path: Path,
  task: Task,
  note: (t: string) => void,
): Task {
  const retry = node.retry;
  const onError = node.on_error;
  const retries = retry?.max_attempts !== undefined && retry.max_attempts > 1;
  if (!retries && (onError === undefined || onError === 'fail')) return task;
  if (onError === 'branch') {
    ctx.leaveOut(
      node,
      [...path, 'on_error'],
      'on_error: branch (an error port) has no SW form: the error fails the run',
    );
    note('on_error: branch is not exported: an error fails the workflow');
    if (!retries) return task;
  }
  const catcher: Record<string, unknown> = {};
  if (retries) {
    catcher['retry'] = {
      delay: { milliseconds: retry.initial_ms ?? 1000 },
      backoff: retry.backoff === 'fixed' ? { constant: {} } : { exponential: {} },
      limit: { attempt: { count: retry.max_attempts! - 1 } },
    };
  }
  const recovered =
    onError === 'continue'
      ? `{ "error": { "code": ($error.type | tostring | split("/") | last), "message": ${text('$error.title // $error.detail')} } }`
      : typeof onError === 'object'
        ? JSON.stringify(onError.return ?? null)
        : undefined;
  if (recovered !== undefined)
    catcher['do'] = [{ [`${node.id}_error`]: { set: expr(recovered), export: keep(node.id) } }];
  return { try: [{ [node.id]: task }], catch: catcher };
}
