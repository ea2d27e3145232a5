/**
 * @module translate
 * A Serverless Workflow 1.0 document -> a Weft graph definition (plain data), which then goes
 * through Weft's own validation and compiler: one engine runs both languages.
 *
 * How the DSL maps (docs/serverless-workflow.md has the table):
 * - Each task is a node (or a few), named after the task, its `description` the task's reference
 *   (`/do/0/setRed`): errors and `weft runs show` point back at the document.
 * - The data that flows from task to task is the output of the node before, read by the next
 *   node's `input` template; where several tasks may lead to one (`then`, `switch`), the node
 *   joins `any` and reads whichever ran. `$context` (set by `export.as`) flows the same way.
 * - `then` and `switch` are edges (a `switch` is a `jq` node routing to a port per case); a
 *   `then` that goes back to an earlier task would be a cycle: refused, naming it.
 * - `for` is a `loop` node (its iterations are sequential, each reading the one before); `fork`
 *   runs its branches as parallel paths joined `all` (or `any` with `compete`); `try` gives its
 *   nodes `on_error: branch` (and the catch's retry policy) to an `sw.catch` node; `wait` is a
 *   `wait` node; `run: workflow` is a `subworkflow` node.
 * Every problem found names the document's path, so it is placed at its line and column.
 */
import type { Finding } from '@weft/core';
import { bareExpression, checkJq, runtimeExpression } from '@weft/core';

type Path = (string | number)[];
type Obj = Record<string, unknown>;

interface WeftNode {
  id: string;
  type: string;
  name?: string;
  description?: string;
  with?: Obj;
  join?: 'any';
  on_error?: 'branch';
  retry?: Obj;
  nodes?: WeftNode[];
  edges?: WeftEdge[];
}

interface WeftEdge {
  from: string;
  port?: string;
  to: string;
}

/** Where control leaves a node, and the expressions (JSONata, over the scope) of its data. */
interface Exit {
  from: string;
  port?: string;
  /** The SW data after it. */
  data: string;
  /** `$context` after it, when an `export` set it. */
  context?: string;
  /** The condition that control left this way, when the node's presence does not say it. */
  taken?: string;
}

/** An exit and where it goes: `continue`, `exit`, `end` or a task's name. */
interface Out {
  directive: string;
  exit: Exit;
}

interface Level {
  nodes: WeftNode[];
  edges: WeftEdge[];
}

interface Scope {
  level: Level;
  /** Templates of the variables a task's expressions see (`$workflow`, a `for`'s item...). */
  vars: Obj;
  /** Inside a `for` body: `end` cannot leave the loop, so it ends the iteration. */
  inLoop: boolean;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ids Weft's expressions could not tell from their own names. */
const RESERVED = new Set([
  'inputs',
  'run',
  'item',
  'index',
  'iteration',
  'previous',
  'error',
  'event',
  'context',
  'state',
  'true',
  'false',
  'null',
  'and',
  'or',
  'in',
  'constructor',
  'prototype',
  '__proto__',
]);

const SUPPORTED_VERSION = /^1\.0\.\d+/;

export interface Translation {
  definition?: Obj;
  findings: Finding[];
}

/** Translates a document recognised as Serverless Workflow (it has `document.dsl`). */
export function translate(doc: Obj, schemaFindings: Finding[]): Translation {
  return new Translator(doc).run(schemaFindings);
}

/** The version problem of a document, or none. */
export function versionFinding(doc: Obj): Finding | undefined {
  const document = doc['document'];
  const dsl = isObj(document) ? document['dsl'] : undefined;
  if (dsl === undefined && doc['specVersion'] !== undefined) {
    return {
      path: ['specVersion'],
      severity: 'error',
      message: `Serverless Workflow ${JSON.stringify(doc['specVersion'])} is not supported: Weft reads documents of the DSL 1.0 (\`document.dsl: '1.0.x'\`)`,
    };
  }
  if (typeof dsl !== 'string' || !SUPPORTED_VERSION.test(dsl)) {
    return {
      path: ['document', 'dsl'],
      severity: 'error',
      message: `Serverless Workflow DSL ${JSON.stringify(dsl)} is not supported: Weft reads version 1.0.x`,
    };
  }
  return undefined;
}

class Translator {
  private readonly findings: Finding[] = [];
  private readonly ids = new Map<string, number>();
  private readonly use: Obj;
  /** Functions being compiled, to refuse one that calls itself. */
  private readonly calling = new Set<string>();

  constructor(private readonly doc: Obj) {
    this.use = isObj(doc['use']) ? doc['use'] : {};
  }

  run(schemaFindings: Finding[]): Translation {
    madeOrder = this.ids;
    const version = versionFinding(this.doc);
    if (version !== undefined) return { findings: [version] };
    if (schemaFindings.length > 0) return { findings: schemaFindings };
    const document = this.doc['document'] as Obj;
    const top: Level = { nodes: [], edges: [] };
    const scope: Scope = {
      level: top,
      vars: {
        workflow: { definition: { document }, input: '{{ inputs }}' },
        runtime: { name: 'weft' },
        // Until an `export` sets it.
        context: null,
      },
      inLoop: false,
    };
    this.unsupportedTop();
    let start: Exit[] = [{ from: '', data: 'inputs' }];
    const wfInput = isObj(this.doc['input']) ? this.doc['input'] : {};
    if (wfInput['from'] !== undefined) {
      this.checkExpression(['input', 'from'], wfInput['from'], true);
      const id = this.id('workflow_input');
      this.add(scope, { id, type: 'jq', with: { from: wfInput['from'] } }, start);
      start = [{ from: id, data: id }];
    }
    const { outs, ends } = this.list(this.doc['do'], ['do'], '/do', start, scope);
    const last = [...outs.map((o) => o.exit), ...ends];
    const wfOutput = isObj(this.doc['output']) ? this.doc['output'] : {};
    if (wfOutput['as'] !== undefined) this.checkExpression(['output', 'as'], wfOutput['as'], true);
    if (last.length > 0) {
      this.add(
        scope,
        {
          id: this.id('workflow_output'),
          type: 'jq.output',
          with: wfOutput['as'] === undefined ? {} : { as: wfOutput['as'] },
        },
        last,
      );
    }
    if (this.findings.some((f) => f.severity === 'error')) return { findings: this.findings };
    const definition: Obj = {
      id: typeof document['name'] === 'string' ? document['name'].toLowerCase() : 'workflow',
      name: typeof document['title'] === 'string' ? document['title'] : String(document['name']),
      ...(typeof document['summary'] === 'string' ? { description: document['summary'] } : {}),
      ...(isObj(this.doc['schedule']) && typeof this.doc['schedule']['cron'] === 'string'
        ? { triggers: [{ type: 'cron', schedule: this.doc['schedule']['cron'] }] }
        : {}),
      ...(this.schema(this.doc['input'], ['input', 'schema']) === undefined
        ? {}
        : { inputs: this.schema(this.doc['input'], ['input', 'schema']) }),
      nodes: top.nodes,
      edges: top.edges,
    };
    return { definition, findings: this.findings };
  }

  private unsupportedTop(): void {
    const schedule = this.doc['schedule'];
    if (isObj(schedule)) {
      for (const key of Object.keys(schedule)) {
        if (key !== 'cron')
          this.unsupported(
            ['schedule', key],
            `\`schedule.${key}\` (Weft starts runs on a \`cron\` schedule, webhooks or calls)`,
          );
      }
    }
    if (this.doc['timeout'] !== undefined)
      this.unsupported(['timeout'], "a workflow `timeout` (use Weft's `limits.timeout_ms`)");
  }

  private unsupported(path: Path, what: string): void {
    this.findings.push({
      path,
      severity: 'error',
      at: 'key',
      message: `${what} is not supported by Weft's Serverless Workflow compiler yet`,
    });
  }

  private error(path: Path, message: string, at: 'key' | 'value' = 'value'): void {
    this.findings.push({ path, severity: 'error', message, at });
  }

  /** A fresh node id from a task name: Weft's id pattern, unique in the whole definition. */
  private id(name: string): string {
    let base = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 56);
    if (!/^[A-Za-z_]/.test(base)) base = `t_${base}`;
    if (RESERVED.has(base)) base = `${base}_`;
    let id = base;
    for (let n = 2; this.ids.has(id); n++) id = `${base}_${n}`;
    this.ids.set(id, this.ids.size);
    return id;
  }

  /** Adds a node after `incoming`, reading their data as its `input`. */
  private add(scope: Scope, node: WeftNode, incoming: Exit[], readsInput = true): WeftNode {
    const real = incoming.filter((e) => e.from !== '');
    if (real.length > 1) node.join = 'any';
    if (readsInput && node.type !== 'wait' && node.type !== 'subworkflow') {
      node.with = { input: dataTemplate(incoming), ...node.with };
      const context = contextTemplate(incoming);
      const task =
        node.name === undefined ? {} : { task: { name: node.name, reference: node.description } };
      const vars = { ...scope.vars, ...task, ...(context === undefined ? {} : { context }) };
      if (node.with['vars'] === undefined) node.with['vars'] = vars;
    }
    scope.level.nodes.push(node);
    for (const e of real)
      scope.level.edges.push({ from: e.from, ...(e.port ? { port: e.port } : {}), to: node.id });
    return node;
  }

  // ---------------------------------------------------------------- task lists and flow

  /** A list of named tasks: the exits that leave it (`continue`/`exit`) and those that `end`. */
  private list(
    value: unknown,
    path: Path,
    pointer: string,
    incoming: Exit[],
    scope: Scope,
  ): { outs: Out[]; ends: Exit[] } {
    const outs: Out[] = [];
    const ends: Exit[] = [];
    if (!Array.isArray(value)) return { outs, ends };
    const tasks = value.map((item, i) => {
      const [name, task] = isObj(item) ? (Object.entries(item)[0] ?? ['', {}]) : ['', {}];
      return {
        name,
        task: isObj(task) ? task : {},
        path: [...path, i, name],
        pointer: `${pointer}/${i}/${name}`,
      };
    });
    const index = new Map(tasks.map((t, i) => [t.name, i]));
    const order = this.flowOrder(tasks, index);
    const pending = new Map<number, Exit[]>([[0, incoming]]);
    const route = (out: Out, from: number, thenPath: Path): void => {
      const d = out.directive;
      if (d === 'exit' || (d === 'continue' && from === tasks.length - 1))
        outs.push({ directive: 'continue', exit: out.exit });
      else if (d === 'end') {
        if (scope.inLoop) outs.push({ directive: 'continue', exit: out.exit });
        else ends.push(out.exit);
      } else {
        const to = d === 'continue' ? from + 1 : index.get(d);
        if (to === undefined) {
          this.error(
            thenPath,
            `\`then: ${d}\` names no task of this list (tasks: ${tasks.map((t) => t.name).join(', ')})`,
          );
          return;
        }
        pending.set(to, [...(pending.get(to) ?? []), out.exit]);
      }
    };
    for (const i of order) {
      const t = tasks[i]!;
      const into = pending.get(i) ?? [];
      if (into.length === 0) continue; // never reached: it never runs
      const result = this.task(t.name, t.task, t.path, t.pointer, into, scope);
      for (const out of result.outs) route(out, i, [...t.path, 'then']);
      ends.push(...result.ends);
    }
    return { outs, ends };
  }

  /**
   * The order to compile tasks in: each after every task that may lead to it. A `then` that
   * leads back (a loop through `then`) is refused: Weft graphs are acyclic, loops are `for`.
   */
  private flowOrder(
    tasks: { name: string; task: Obj; path: Path }[],
    index: Map<string, number>,
  ): number[] {
    const next = tasks.map((t, i) => {
      const targets: { to: number; path: Path }[] = [];
      const add = (d: unknown, path: Path): void => {
        const name = typeof d === 'string' ? d : 'continue';
        if (name === 'continue') {
          if (i + 1 < tasks.length) targets.push({ to: i + 1, path });
        } else if (name !== 'exit' && name !== 'end') {
          const to = index.get(name);
          if (to !== undefined) targets.push({ to, path });
        }
      };
      const sw = t.task['switch'];
      if (Array.isArray(sw)) {
        sw.forEach((c, ci) => {
          const body = isObj(c) ? Object.values(c)[0] : undefined;
          const name = isObj(c) ? Object.keys(c)[0] : undefined;
          add(isObj(body) ? body['then'] : undefined, [
            ...t.path,
            'switch',
            ci,
            name ?? '',
            'then',
          ]);
        });
      }
      if (t.task['raise'] === undefined) add(t.task['then'], [...t.path, 'then']);
      return targets;
    });
    const order: number[] = [];
    const state = new Map<number, 'open' | 'done'>();
    const visit = (i: number, via: Path | undefined): void => {
      const s = state.get(i);
      if (s === 'done') return;
      if (s === 'open') {
        this.error(
          via ?? tasks[i]!.path,
          `\`then\` leads back to \`${tasks[i]!.name}\`, which makes a loop: Weft graphs are acyclic, so loops are written with \`for\``,
        );
        return;
      }
      state.set(i, 'open');
      for (const t of next[i]!) visit(t.to, t.path);
      state.set(i, 'done');
      order.push(i);
    };
    if (tasks.length > 0) visit(0, undefined);
    return order.reverse();
  }

  // ---------------------------------------------------------------- one task

  private task(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    incoming: Exit[],
    scope: Scope,
  ): { outs: Out[]; ends: Exit[] } {
    const then = typeof task['then'] === 'string' ? task['then'] : 'continue';
    const filters = this.filters(task, path);
    if (isObj(task['timeout']) || typeof task['timeout'] === 'string')
      this.unsupported([...path, 'timeout'], 'a task `timeout`');

    // `if`: the task runs only when it holds; otherwise the flow goes on past it.
    let into = incoming;
    const skipped: Out[] = [];
    if (task['if'] !== undefined) {
      this.checkExpression([...path, 'if'], task['if'], true);
      const guard = this.add(
        scope,
        {
          id: this.id(`${name}_if`),
          type: 'jq',
          name,
          description: pointer,
          with: { cases: [{ port: 'run', when: task['if'] }] },
        },
        incoming,
      );
      into = [{ ...exitOf(guard.id, incoming), port: 'run' }];
      skipped.push({
        directive: 'continue',
        exit: { ...exitOf(guard.id, incoming), port: 'default' },
      });
    }

    const leaf = (type: string, extra: Obj): { outs: Out[]; ends: Exit[] } => {
      const node = this.add(
        scope,
        {
          id: this.id(name),
          type,
          name,
          description: pointer,
          with: { ...filters, ...extra },
        },
        into,
      );
      return this.exported(
        task,
        path,
        name,
        pointer,
        [{ directive: then, exit: exitOf(node.id, into) }],
        scope,
        skipped,
      );
    };

    if (isObj(task['set']) || typeof task['set'] === 'string') {
      this.checkValue([...path, 'set'], task['set']);
      return leaf('jq', { value: task['set'] });
    }
    if (task['raise'] !== undefined)
      return this.raise(name, task, path, pointer, into, scope, filters, skipped);
    if (typeof task['call'] === 'string')
      return this.call(name, task, path, pointer, into, scope, filters, then, skipped);
    if (isObj(task['emit'])) {
      const event = isObj(task['emit']['event']) ? task['emit']['event']['with'] : undefined;
      this.checkValue([...path, 'emit', 'event', 'with'], event);
      return leaf('sw.emit', { event });
    }
    if (Array.isArray(task['switch']))
      return this.switch(name, task, path, pointer, into, scope, filters, then, skipped);

    // Composite and waiting tasks: their filters are nodes of their own around them.
    let inner = into;
    if (filters['from'] !== undefined || filters['input_schema'] !== undefined) {
      const pre = this.add(
        scope,
        {
          id: this.id(`${name}_input`),
          type: 'jq',
          name,
          description: pointer,
          with: pick(filters, ['from', 'input_schema']),
        },
        into,
      );
      inner = [exitOf(pre.id, into)];
    }
    let result: { outs: Out[]; ends: Exit[] };
    if (Array.isArray(task['do']) && task['for'] === undefined) {
      const r = this.list(task['do'], [...path, 'do'], `${pointer}/do`, inner, scope);
      result = { outs: r.outs.map((o) => ({ directive: then, exit: o.exit })), ends: r.ends };
    } else if (isObj(task['for'])) result = this.for(name, task, path, pointer, inner, scope, then);
    else if (isObj(task['fork'])) result = this.fork(name, task, path, pointer, inner, scope, then);
    else if (Array.isArray(task['try']))
      result = this.try(name, task, path, pointer, inner, scope, then);
    else if (task['wait'] !== undefined)
      result = this.wait(name, task, path, pointer, inner, scope, then);
    else if (isObj(task['run']))
      result = this.runTask(name, task, path, pointer, inner, scope, then);
    else if (task['listen'] !== undefined) {
      return this.listen(name, task, path, pointer, into, scope, filters, then, skipped);
    } else {
      this.error(
        path,
        `\`${name}\` is not a task Weft knows (set, switch, do, for, fork, try, raise, wait, call, emit, run)`,
      );
      return { outs: [], ends: [] };
    }
    if (filters['as'] !== undefined || filters['output_schema'] !== undefined) {
      const exits = result.outs.map((o) => o.exit);
      if (exits.length > 0) {
        const post = this.add(
          scope,
          {
            id: this.id(`${name}_output`),
            type: 'jq',
            name,
            description: pointer,
            with: pick(filters, ['as', 'output_schema']),
          },
          exits,
        );
        result = { outs: [{ directive: then, exit: exitOf(post.id, exits) }], ends: result.ends };
      }
    }
    const done = this.exported(task, path, name, pointer, result.outs, scope, skipped);
    return { outs: done.outs, ends: [...result.ends, ...done.ends] };
  }

  /** `input.from` and `output.as` as node parameters, their expressions checked. */
  private filters(task: Obj, path: Path): Obj {
    const out: Obj = {};
    const input = task['input'];
    if (isObj(input) && input['from'] !== undefined) {
      this.checkExpression([...path, 'input', 'from'], input['from'], true);
      out['from'] = input['from'];
    }
    const output = task['output'];
    if (isObj(output) && output['as'] !== undefined) {
      this.checkExpression([...path, 'output', 'as'], output['as'], true);
      out['as'] = output['as'];
    }
    const inSchema = this.schema(input, [...path, 'input', 'schema']);
    if (inSchema !== undefined) out['input_schema'] = inSchema;
    const outSchema = this.schema(output, [...path, 'output', 'schema']);
    if (outSchema !== undefined) out['output_schema'] = outSchema;
    return out;
  }

  /** An `input`/`output` `schema` given inline (`document`); one by `resource` is refused. */
  private schema(holder: unknown, path: Path): Obj | undefined {
    if (!isObj(holder) || !isObj(holder['schema'])) return undefined;
    const schema = holder['schema'];
    const format = typeof schema['format'] === 'string' ? schema['format'] : 'json';
    if (!/^json(:|$)/.test(format)) {
      this.unsupported([...path, 'format'], `a schema in \`${format}\``);
      return undefined;
    }
    if (!isObj(schema['document'])) {
      this.unsupported(path, 'a schema by `resource`');
      return undefined;
    }
    return schema['document'];
  }

  /** `export.as`: a node computing the new `$context` from the task's output. */
  private exported(
    task: Obj,
    path: Path,
    name: string,
    pointer: string,
    outs: Out[],
    scope: Scope,
    skipped: Out[],
  ): { outs: Out[]; ends: Exit[] } {
    const exp = task['export'];
    if (!isObj(exp) || exp['as'] === undefined || outs.length === 0)
      return { outs: [...outs, ...skipped], ends: [] };
    this.checkExpression([...path, 'export', 'as'], exp['as'], true);
    const result: Out[] = [];
    for (const out of outs) {
      const node = this.add(
        scope,
        {
          id: this.id(`${name}_export`),
          type: 'jq',
          name,
          description: pointer,
          with: { from: exp['as'] },
        },
        [out.exit],
      );
      result.push({
        directive: out.directive,
        exit: { from: node.id, data: out.exit.data, context: node.id },
      });
    }
    return { outs: [...result, ...skipped], ends: [] };
  }

  private raise(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    filters: Obj,
    skipped: Out[],
  ) {
    const raise = isObj(task['raise']) ? task['raise'] : {};
    let error = raise['error'];
    if (typeof error === 'string') {
      const errors = isObj(this.use['errors']) ? this.use['errors'] : {};
      if (!isObj(errors[error])) {
        this.error([...path, 'raise', 'error'], `no error \`${error}\` under \`use.errors\``);
        return { outs: [], ends: [] };
      }
      error = errors[error];
    } else this.checkValue([...path, 'raise', 'error'], error);
    this.add(
      scope,
      {
        id: this.id(name),
        type: 'sw.raise',
        name,
        description: pointer,
        with: { ...filters, error, instance: pointer },
      },
      into,
    );
    return { outs: skipped, ends: [] };
  }

  private call(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    filters: Obj,
    then: string,
    skipped: Out[],
  ) {
    const kind = task['call'] as string;
    const w = isObj(task['with']) ? task['with'] : {};
    this.checkValue([...path, 'with'], w);
    const type = kind === 'http' ? 'sw.http' : kind === 'openapi' ? 'sw.openapi' : undefined;
    const functions = isObj(this.use['functions']) ? this.use['functions'] : {};
    if (type === undefined && isObj(functions[kind]))
      return this.callFunction(name, task, path, pointer, into, scope, filters, then, skipped);
    if (type === undefined) {
      this.unsupported(
        [...path, 'call'],
        kind === 'grpc' || kind === 'asyncapi' || kind === 'a2a' || kind === 'mcp'
          ? `\`call: ${kind}\``
          : `calling the function \`${kind}\``,
      );
      return { outs: [], ends: [] };
    }
    this.checkAuthentication(w, [...path, 'with']);
    const node = this.add(
      scope,
      {
        id: this.id(name),
        type,
        name,
        description: pointer,
        with: { ...filters, with: w, instance: pointer },
      },
      into,
    );
    return this.exported(
      task,
      path,
      name,
      pointer,
      [{ directive: then, exit: exitOf(node.id, into) }],
      scope,
      skipped,
    );
  }

  /**
   * `listen` to one event, or to `any` of several: an `sw.listen` node waiting for the event
   * delivered to the run as its answer (`weft runs input`, `POST /v1/runs/{id}/input`).
   */
  private listen(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    filters: Obj,
    then: string,
    skipped: Out[],
  ) {
    const l = isObj(task['listen']) ? task['listen'] : {};
    const to = isObj(l['to']) ? l['to'] : {};
    const at = [...path, 'listen', 'to'];
    const withOf = (f: unknown): unknown => (isObj(f) ? f['with'] : undefined);
    let events: unknown[] = [];
    if (to['one'] !== undefined) events = [withOf(to['one'])];
    // `any: []` is any event at all.
    else if (Array.isArray(to['any']))
      events = to['any'].length === 0 ? [{}] : to['any'].map(withOf);
    else {
      this.unsupported([...at, 'all'], '`listen.to.all` (Weft waits for one event)');
      return { outs: [], ends: [] };
    }
    if (to['until'] !== undefined) this.unsupported([...at, 'until'], '`listen.to.until`');
    if (l['read'] !== undefined && l['read'] !== 'data')
      this.unsupported([...path, 'listen', 'read'], '`listen.read`');
    if (events.some((e) => !isObj(e))) {
      this.error(at, 'each event to listen to needs `with` (its attributes)');
      return { outs: [], ends: [] };
    }
    if (l['foreach'] !== undefined)
      this.unsupported([...path, 'listen', 'foreach'], '`listen.foreach`');
    this.checkValue(at, events);
    const node = this.add(
      scope,
      {
        id: this.id(name),
        type: 'sw.listen',
        name,
        description: pointer,
        with: { ...filters, events },
      },
      into,
    );
    return this.exported(
      task,
      path,
      name,
      pointer,
      [{ directive: then, exit: exitOf(node.id, into) }],
      scope,
      skipped,
    );
  }

  private switch(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    filters: Obj,
    then: string,
    skipped: Out[],
  ) {
    const cases: { port: string; when?: unknown }[] = [];
    const targets: { port: string; then: string }[] = [];
    const ports = new Set<string>();
    (task['switch'] as unknown[]).forEach((c, i) => {
      if (!isObj(c)) return;
      const [caseName, body] = Object.entries(c)[0] ?? ['', {}];
      const b = isObj(body) ? body : {};
      let port = caseName.replace(/[^A-Za-z0-9_-]/g, '_') || `case${i}`;
      if (port === 'default' || port === 'out' || port === 'error' || ports.has(port))
        port = `case_${i}`;
      ports.add(port);
      if (b['when'] !== undefined)
        this.checkExpression([...path, 'switch', i, caseName, 'when'], b['when'], true);
      cases.push(b['when'] === undefined ? { port } : { port, when: b['when'] });
      targets.push({ port, then: typeof b['then'] === 'string' ? b['then'] : 'continue' });
    });
    const node = this.add(
      scope,
      {
        id: this.id(name),
        type: 'jq',
        name,
        description: pointer,
        with: { ...filters, cases },
      },
      into,
    );
    const outs: Out[] = targets.map((t) => ({
      directive: t.then,
      exit: { ...exitOf(node.id, into), port: t.port },
    }));
    outs.push({ directive: then, exit: { ...exitOf(node.id, into), port: 'default' } });
    return this.exported(task, path, name, pointer, outs, scope, skipped);
  }

  private for(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    then: string,
  ) {
    const f = task['for'] as Obj;
    const each = typeof f['each'] === 'string' ? f['each'] : 'item';
    const at = typeof f['at'] === 'string' ? f['at'] : 'index';
    this.checkExpression([...path, 'for', 'in'], f['in'], true);
    // `while`: checked after each iteration, on its output, by the body's last node, which then
    // outputs `{ data, more }`; the loop goes on while `more` holds.
    const whileExpr = typeof task['while'] === 'string' ? bareExpression(task['while']) : undefined;
    if (task['while'] !== undefined) this.checkExpression([...path, 'while'], task['while'], true);
    const unwrap = whileExpr === undefined ? '' : '.data';
    const inExpr = bareExpression(String(f['in']));
    const items = this.add(
      scope,
      {
        id: this.id(`${name}_items`),
        type: 'jq',
        name,
        description: pointer,
        with: {
          value: { items: `\${ [${inExpr}][0] }`, data: '${ . }' },
          cases: [{ port: 'each', when: `([${inExpr}][0] | length) > 0` }],
        },
      },
      into,
    );
    const itemsId = items.id;
    const body: Level = { nodes: [], edges: [] };
    const bodyScope: Scope = {
      level: body,
      inLoop: true,
      vars: {
        ...scope.vars,
        [each]: `{{ ($i := iteration - 1; $lookup(${itemsId}, 'items')[$i]) }}`,
        [at]: '{{ iteration - 1 }}',
      },
    };
    const loopId = this.id(name);
    const start: Exit[] = [
      { from: '', data: `(iteration = 1 ? ${itemsId}.data : previous${unwrap})` },
    ];
    const r = this.list(task['do'], [...path, 'do'], `${pointer}/do`, start, bodyScope);
    const bodyExits = [...r.outs.map((o) => o.exit), ...r.ends];
    const next =
      bodyExits.length === 0
        ? undefined
        : this.add(
            bodyScope,
            {
              id: this.id(`${name}_next`),
              type: 'jq',
              name,
              description: pointer,
              ...(whileExpr === undefined
                ? {}
                : { with: { value: { data: '${ . }', more: `\${ ${whileExpr} }` } } }),
            },
            bodyExits,
          );
    const more = whileExpr === undefined || next === undefined ? '' : ` and ${next.id}.more`;
    this.add(
      scope,
      {
        id: loopId,
        type: 'loop',
        name,
        description: pointer,
        with: {
          while: `iteration < $count($lookup(${itemsId}, 'items'))${more}`,
          max_iterations: 100_000,
        },
        nodes: body.nodes,
        edges: body.edges,
      },
      [{ from: itemsId, port: 'each', data: `${itemsId}.data` }],
      false,
    );
    const after = this.add(
      scope,
      { id: this.id(`${name}_done`), type: 'jq', name, description: pointer },
      [
        { from: loopId, data: `${loopId}.output${unwrap}` },
        { from: itemsId, port: 'default', data: `${itemsId}.data` },
      ],
    );
    return { outs: [{ directive: then, exit: exitOf(after.id, []) }], ends: [] };
  }

  private fork(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    then: string,
  ) {
    const f = task['fork'] as Obj;
    const compete = f['compete'] === true;
    const entry = this.add(
      scope,
      { id: this.id(`${name}_fork`), type: 'jq', name, description: pointer },
      into,
    );
    const start = [exitOf(entry.id, into)];
    const branches: Exit[][] = [];
    const list = Array.isArray(f['branches']) ? f['branches'] : [];
    list.forEach((item, i) => {
      const [bname, btask] = isObj(item) ? (Object.entries(item)[0] ?? ['', {}]) : ['', {}];
      const r = this.task(
        bname,
        isObj(btask) ? btask : {},
        [...path, 'fork', 'branches', i, bname],
        `${pointer}/fork/branches/${i}/${bname}`,
        start,
        scope,
      );
      branches.push([...r.outs.map((o) => o.exit), ...r.ends]);
    });
    const all = branches.flat();
    if (all.length === 0) return { outs: [], ends: [] };
    if (compete) {
      const join = this.add(
        scope,
        { id: this.id(name), type: 'jq', name, description: pointer },
        all,
      );
      return { outs: [{ directive: then, exit: exitOf(join.id, all) }], ends: [] };
    }
    const input: Obj = {};
    branches.forEach((b, i) => {
      input[`b${i}`] = dataTemplate(b);
    });
    const join: WeftNode = {
      id: this.id(name),
      type: 'jq',
      name,
      description: pointer,
      with: { input, value: `\${ [${branches.map((_, i) => `.b${i}`).join(', ')}] }` },
    };
    this.add(scope, join, all, false);
    join.with!['vars'] = scope.vars;
    delete join.join; // every branch joins
    return { outs: [{ directive: then, exit: exitOf(join.id, []) }], ends: [] };
  }

  private try(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    then: string,
  ) {
    const before = scope.level.nodes.length;
    const r = this.list(task['try'], [...path, 'try'], `${pointer}/try`, into, scope);
    const guarded = scope.level.nodes.slice(before);
    const c = isObj(task['catch']) ? task['catch'] : {};
    const retry = this.retry(c['retry'], [...path, 'catch', 'retry']);
    const catchId = this.id(`${name}_catch`);
    for (const n of guarded) {
      n.on_error = 'branch';
      if (retry !== undefined) n.retry = retry;
      scope.level.edges.push({ from: n.id, port: 'error', to: catchId });
    }
    const errors = isObj(c['errors']) && isObj(c['errors']['with']) ? c['errors']['with'] : {};
    for (const k of ['when', 'exceptWhen'] as const)
      if (c[k] !== undefined) this.checkExpression([...path, 'catch', k], c[k], true);
    const failed = guarded.map((n) => n.id);
    const as = typeof c['as'] === 'string' ? c['as'] : 'error';
    const catchNode: WeftNode = {
      id: catchId,
      type: 'sw.catch',
      name,
      description: pointer,
      join: 'any',
      with: {
        input: dataTemplate(into),
        vars: scope.vars,
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
    const caught: Exit[] = [{ from: catchId, port: 'caught', data: `${catchId}.data` }];
    if (Array.isArray(c['do'])) {
      const catchScope: Scope = {
        ...scope,
        vars: { ...scope.vars, [as]: `{{ ${catchId}.error }}` },
      };
      const cr = this.list(
        c['do'],
        [...path, 'catch', 'do'],
        `${pointer}/catch/do`,
        caught,
        catchScope,
      );
      outs.push(...cr.outs.map((o) => ({ directive: then, exit: o.exit })));
      return { outs, ends: [...r.ends, ...cr.ends] };
    }
    outs.push({ directive: then, exit: caught[0]! });
    return { outs, ends: r.ends };
  }

  /** A retry policy (inline, or a name under `use.retries`) as Weft's node `retry`. */
  private retry(value: unknown, path: Path): Obj | undefined {
    if (value === undefined) return undefined;
    let policy: unknown = value;
    if (typeof value === 'string') {
      const retries = isObj(this.use['retries']) ? this.use['retries'] : {};
      policy = retries[value];
      if (!isObj(policy)) {
        this.error(path, `no retry policy \`${value}\` under \`use.retries\``);
        return undefined;
      }
    }
    const p = policy as Obj;
    if (p['when'] !== undefined || p['exceptWhen'] !== undefined)
      this.unsupported(path, 'a retry policy with `when`/`exceptWhen`');
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

  private wait(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    then: string,
  ) {
    const ms = durationMs(task['wait']);
    if (ms === undefined) {
      this.error(
        [...path, 'wait'],
        'a wait is an ISO 8601 duration (`PT30S`) or `{ days, hours, minutes, seconds, milliseconds }`',
      );
      return { outs: [], ends: [] };
    }
    const node = this.add(
      scope,
      { id: this.id(name), type: 'wait', name, description: pointer, with: { duration: ms } },
      into,
      false,
    );
    return {
      outs: [
        {
          directive: then,
          exit: { from: node.id, data: dataExpression(into), ...contextOf(into) },
        },
      ],
      ends: [],
    };
  }

  private runTask(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    then: string,
  ) {
    const run = task['run'] as Obj;
    const wf = run['workflow'];
    if (!isObj(wf)) {
      const kind = Object.keys(run).find((k) => k !== 'await' && k !== 'return') ?? 'run';
      this.unsupported(
        [...path, 'run', kind],
        `\`run: ${kind}\` (Weft runs code with its \`code\` node)`,
      );
      return { outs: [], ends: [] };
    }
    // The child's input: its `input` evaluated on this task's data, by a jq node before it.
    const prep = this.add(
      scope,
      {
        id: this.id(`${name}_input`),
        type: 'jq',
        name,
        description: pointer,
        with: wf['input'] === undefined ? {} : { value: wrapRuntime(wf['input']) },
      },
      into,
    );
    const node = this.add(
      scope,
      {
        id: this.id(name),
        type: 'subworkflow',
        name,
        description: pointer,
        with: { workflow: String(wf['name']), input: `{{ ${prep.id} }}` },
      },
      [exitOf(prep.id, into)],
      false,
    );
    return {
      outs: [{ directive: then, exit: { from: node.id, data: node.id, ...contextOf(into) } }],
      ends: [],
    };
  }

  /**
   * A call of a function of `use.functions` (a task itself): its arguments (`with`, `${ }`
   * evaluated on the caller's input) are the input of the function's task, compiled in place.
   */
  private callFunction(
    name: string,
    task: Obj,
    path: Path,
    pointer: string,
    into: Exit[],
    scope: Scope,
    filters: Obj,
    then: string,
    skipped: Out[],
  ) {
    const fn = task['call'] as string;
    if (this.calling.has(fn)) {
      this.error([...path, 'call'], `the function \`${fn}\` calls itself`);
      return { outs: [], ends: [] };
    }
    const args = this.add(
      scope,
      {
        id: this.id(`${name}_args`),
        type: 'jq',
        name,
        description: pointer,
        with: { ...pick(filters, ['from', 'input_schema']), value: task['with'] ?? {} },
      },
      into,
    );
    this.calling.add(fn);
    const body = (this.use['functions'] as Obj)[fn] as Obj;
    const r = this.task(
      name,
      body,
      ['use', 'functions', fn],
      pointer,
      [exitOf(args.id, into)],
      scope,
    );
    this.calling.delete(fn);
    let exits = [...r.outs.map((o) => o.exit)];
    if (
      (filters['as'] !== undefined || filters['output_schema'] !== undefined) &&
      exits.length > 0
    ) {
      const post = this.add(
        scope,
        {
          id: this.id(`${name}_output`),
          type: 'jq',
          name,
          description: pointer,
          with: pick(filters, ['as', 'output_schema']),
        },
        exits,
      );
      exits = [exitOf(post.id, exits)];
    }
    const done = this.exported(
      task,
      path,
      name,
      pointer,
      exits.map((exit) => ({ directive: then, exit })),
      scope,
      skipped,
    );
    return { outs: done.outs, ends: [...r.ends, ...done.ends] };
  }

  /** Inline `basic` and `bearer` are applied; named ones and other schemes are refused. */
  private checkAuthentication(w: Obj, path: Path): void {
    const places: [unknown, Path][] = [
      [w['authentication'], [...path, 'authentication']],
      [
        isObj(w['endpoint']) ? w['endpoint']['authentication'] : undefined,
        [...path, 'endpoint', 'authentication'],
      ],
      [
        isObj(w['document']) && isObj(w['document']['endpoint'])
          ? w['document']['endpoint']['authentication']
          : undefined,
        [...path, 'document', 'endpoint', 'authentication'],
      ],
    ];
    for (const [auth, at] of places) {
      if (auth === undefined) continue;
      if (typeof auth === 'string' || !isObj(auth)) {
        this.unsupported(at, 'an authentication by name (`use.authentications`)');
        continue;
      }
      for (const scheme of Object.keys(auth)) {
        if (scheme !== 'basic' && scheme !== 'bearer')
          this.unsupported([...at, scheme], `\`${scheme}\` authentication`);
        else if (isObj(auth[scheme]) && auth[scheme]['use'] !== undefined)
          this.unsupported(
            [...at, scheme, 'use'],
            'an authentication by name (`use.authentications`)',
          );
      }
    }
  }

  // ---------------------------------------------------------------- expressions

  /** Checks a field that is an expression, wrapped in `${ }` or not (`when`, `from`, `as`, `in`). */
  private checkExpression(path: Path, value: unknown, bare: boolean): void {
    if (typeof value !== 'string') {
      if (isObj(value)) this.checkValue(path, value);
      return;
    }
    const inner = runtimeExpression(value);
    const expr = inner ?? (bare ? value : undefined);
    if (expr === undefined) return;
    const problem = checkJq(expr);
    if (problem !== undefined) {
      const start = inner === undefined ? 0 : value.indexOf('${') + 2;
      this.findings.push({
        path,
        severity: 'error',
        message: problem.message,
        offset: start + problem.offset,
      });
    }
  }

  /** Checks every `${ }` string in a value, at any depth. */
  private checkValue(path: Path, value: unknown): void {
    if (typeof value === 'string') this.checkExpression(path, value, false);
    else if (Array.isArray(value)) value.forEach((v, i) => this.checkValue([...path, i], v));
    else if (isObj(value))
      for (const [k, v] of Object.entries(value)) this.checkValue([...path, k], v);
  }
}

// ---------------------------------------------------------------- helpers

/** The data expression of an exit list: the one that ran, when several may have. */
function dataExpression(exits: Exit[]): string {
  const real = dedupe(exits);
  if (real.length <= 1) return real[0]?.data ?? 'inputs';
  return real
    .slice(0, -1)
    .reduceRight((rest, e) => `(${takenOf(e)} ? ${e.data} : ${rest})`, real[real.length - 1]!.data);
}

function takenOf(e: Exit): string {
  return e.taken ?? `$exists(${e.from})`;
}

/**
 * When several exits may lead to a node, the one that ran last is the one that led there: a
 * document's flow runs one task at a time, and a `switch` that routed elsewhere has still run.
 * Nodes are made in flow order, so the later made is checked first. Set by each translation
 * (synchronous, one at a time).
 */
let madeOrder: ReadonlyMap<string, number> = new Map();

function dedupe(exits: Exit[]): Exit[] {
  const seen = new Set<string>();
  const rank = (e: Exit): number => madeOrder.get(e.from) ?? -1;
  return [...exits]
    .sort((a, b) => rank(b) - rank(a))
    .filter((e) => {
      const key = `${e.from}\u0000${e.data}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function dataTemplate(exits: Exit[]): string {
  return `{{ ${dataExpression(exits)} }}`;
}

/** `$context` after a list of exits, as a template; none when no `export` set it. */
function contextTemplate(exits: Exit[]): string | undefined {
  const withContext = dedupe(exits).filter((e) => e.context !== undefined);
  if (withContext.length === 0) return undefined;
  const expr = withContext.reduceRight(
    (rest, e) => `(${takenOf(e)} ? ${e.context} : ${rest})`,
    'null',
  );
  return `{{ ${expr} }}`;
}

function contextOf(exits: Exit[]): { context?: string } {
  const t = contextTemplate(exits);
  return t === undefined ? {} : { context: t.slice(3, -3) };
}

/** The error of whichever of `ids` failed (a failed node handled by `branch` shows `{ error }`). */
function failedError(ids: string[]): string {
  return ids.reduceRight(
    (rest, id) => `($exists(${id}.error.code) ? ${id}.error : ${rest})`,
    'null',
  );
}

function pick(o: Obj, keys: string[]): Obj {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** The exit of a node that outputs the task's data. */
function exitOf(id: string, into: Exit[]): Exit {
  return { from: id, data: id, ...contextOf(into) };
}

/** A value whose strings are expressions (a subflow's `input`): `${ }` added where missing. */
function wrapRuntime(value: unknown): unknown {
  if (typeof value === 'string')
    return runtimeExpression(value) === undefined ? `\${ ${value} }` : value;
  if (Array.isArray(value)) return value.map(wrapRuntime);
  if (isObj(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrapRuntime(v)]));
  return value;
}

/** An SW duration (ISO 8601 text or `{ days, hours, minutes, seconds, milliseconds }`) in ms. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
    if (m === null || value === 'P' || value.endsWith('T')) return undefined;
    const [, d, h, min, s] = m;
    return (
      ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 +
      Math.round(Number(s ?? 0) * 1000)
    );
  }
  if (!isObj(value)) return undefined;
  const n = (k: string): number => (typeof value[k] === 'number' ? value[k] : 0);
  return (
    (((n('days') * 24 + n('hours')) * 60 + n('minutes')) * 60 + n('seconds')) * 1000 +
    n('milliseconds')
  );
}
