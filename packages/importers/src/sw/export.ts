/**
 * @module importers/sw/export
 * A Weft graph -> a CNCF Serverless Workflow 1.0 document. The graph's nodes run one after the
 * other in a topological order (`do`), each task keeping its output in the context under the
 * node's id (`export.as`), so that later expressions read it as Weft's scope does. A node that
 * a branch or a skip may leave out gets an `if` that says when it runs, as Weft decides (a node
 * runs when one of its incoming edges is taken). See tasks.ts for each node type.
 */
import type { NodeDefinition, WorkflowDefinition } from '@weft/core';
import { Build } from '../graph.js';
import type { Note, Translation } from '../problems.js';
import { readSource, type Path } from '../source.js';
import { toJqCondition, toSwValue, Unmappable, type JqScope } from './jq.js';
import type { ExportContext, Level } from './context.js';
import { graphOutputJq } from './output.js';
import { taskOf, type Task } from './tasks.js';

/** The DSL version written (the corpus schema's). */
export const SW_DSL_VERSION = '1.0.3';

/**
 * Exports a validated Weft definition; `text` is its source, for the positions of what does not map.
 */
export function exportSw(definition: WorkflowDefinition, text = ''): Translation {
  const source = readSource(text.trim() === '' ? '{}' : text, 'the definition');
  const build = new Build(source);
  const notes: Note[] = [];
  const ctx: ExportContext = {
    build,
    notes,
    leaveOut(node, path, reason) {
      build.unsupported.push({
        id: node.id,
        title: node.name,
        kind: node.type,
        reason,
        position: source.at(path),
      });
    },
    tasksOf: (level, path, scope, doPath, first) => tasksOf(ctx, level, path, scope, doPath, first),
  };
  if (definition.kind === 'state-machine') {
    build.unsupported.push({
      id: definition.id,
      kind: 'state-machine',
      reason: 'state machines have no Serverless Workflow translation yet',
      position: source.at(['states']),
    });
    return {
      document: header(definition, [{ nothing: { set: '${ null }' } }]),
      notes,
      unsupported: build.unsupported,
    };
  }
  const all = new Set<string>();
  collectIds(definition.nodes, all);
  const scope: JqScope = { lists: listNodes(definition.nodes), nodes: all, inBody: false };
  const inputs = { weft_inputs: inputsTask(definition) };
  const tasks = [inputs, ...tasksOf(ctx, definition, [], scope, ['do'], 1)];
  tasks.push({ weft_outputs: outputsTask(ctx, definition, scope) });
  const document = header(definition, tasks);
  if (definition.inputs !== undefined)
    document['input'] = { schema: { format: 'json', document: definition.inputs } };
  const ordered: Record<string, unknown> = { document: document['document'] };
  if (document['input'] !== undefined) ordered['input'] = document['input'];
  ordered['do'] = document['do'];
  return { document: ordered, notes, unsupported: build.unsupported };
}

function header(definition: WorkflowDefinition, tasks: unknown[]): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    dsl: SW_DSL_VERSION,
    namespace: 'weft',
    name: swName(definition.id),
    version: '1.0.0',
  };
  if (definition.name !== undefined) doc['title'] = definition.name;
  if (definition.description !== undefined) doc['summary'] = definition.description;
  return { document: doc, do: tasks };
}

/** A Weft workflow id as an SW name (letters, digits and `-`, 63 at most). */
export function swName(id: string): string {
  const name = id
    .replace(/[^a-zA-Z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name === '' ? 'workflow' : name;
}

function collectIds(nodes: readonly NodeDefinition[], into: Set<string>): void {
  for (const n of nodes) {
    into.add(n.id);
    if (n.nodes !== undefined) collectIds(n.nodes, into);
  }
}

function listNodes(nodes: readonly NodeDefinition[]): Set<string> {
  const out = new Set<string>();
  const walk = (list: readonly NodeDefinition[]) => {
    for (const n of list) {
      if (n.type === 'foreach') out.add(n.id);
      if (n.nodes !== undefined) walk(n.nodes);
    }
  };
  walk(nodes);
  return out;
}

/** The inputs with their schema's top-level defaults, kept in the context as `inputs`. */
function inputsTask(definition: WorkflowDefinition): Task {
  const props = (definition.inputs?.['properties'] ?? {}) as Record<string, { default?: unknown }>;
  const defaults = Object.fromEntries(
    Object.entries(props)
      .filter(([, p]) => p !== null && typeof p === 'object' && 'default' in p)
      .map(([k, p]) => [k, p.default]),
  );
  return {
    set: `\${ ${JSON.stringify(defaults)} + ($workflow.input // {}) }`,
    export: { as: '${ { "inputs": . } }' },
  };
}

/** The workflow's output: its `outputs`, else its end node's values, else its sinks' outputs. */
function outputsTask(ctx: ExportContext, definition: WorkflowDefinition, scope: JqScope): Task {
  if (definition.outputs !== undefined) {
    try {
      const set = toSwValue(definition.outputs, scope);
      return {
        set: Object.keys(set as object).length === 0 ? '${ {} }' : set,
      };
    } catch (e) {
      if (!(e instanceof Unmappable)) throw e;
      ctx.build.unsupported.push({
        id: 'outputs',
        kind: 'expression',
        reason: e.message,
        position: ctx.build.source.at(['outputs']),
      });
      return { set: '${ null }' };
    }
  }
  return { set: `\${ ${graphOutputJq(definition)} }` };
}

/** Nodes in a topological order that keeps the definition's order where it may. */
export function topological(level: Level): NodeDefinition[] {
  const incoming = new Map(level.nodes.map((n) => [n.id, 0]));
  for (const e of level.edges) incoming.set(e.to, (incoming.get(e.to) ?? 0) + 1);
  const done: NodeDefinition[] = [];
  const left = [...level.nodes];
  while (left.length > 0) {
    const i = left.findIndex((n) => (incoming.get(n.id) ?? 0) === 0);
    const [n] = left.splice(i < 0 ? 0 : i, 1);
    done.push(n!);
    for (const e of level.edges)
      if (e.from === n!.id) incoming.set(e.to, (incoming.get(e.to) ?? 0) - 1);
  }
  return done;
}

/** jq: whether the node ran (its output is in the context). */
const ran = (id: string) => `($context | has(${JSON.stringify(id)}))`;

/**
 * When a node runs, as jq, or undefined when it always does: one of its incoming edges is taken
 * (its source ran, and took the edge's port), and its `when` holds.
 */
function guardOf(
  node: NodeDefinition,
  level: Level,
  always: ReadonlySet<string>,
  byId: ReadonlyMap<string, NodeDefinition>,
  scope: JqScope,
): string | undefined {
  const edges = level.edges.filter((e) => e.to === node.id);
  let reach: string | undefined;
  const unconditional = edges.some((e) => (e.port ?? 'out') === 'out' && always.has(e.from));
  if (edges.length > 0 && !unconditional) {
    reach = edges
      .map((e) => {
        const port = e.port ?? 'out';
        const src = byId.get(e.from);
        if (port === 'out') return ran(e.from);
        const value = src?.type === 'if' ? port === 'true' : port;
        return `(${ran(e.from)} and $context[${JSON.stringify(e.from)}] == ${JSON.stringify(value)})`;
      })
      .join(' or ');
  }
  const when =
    node.when === undefined
      ? undefined
      : toJqCondition(node.when.replace(/^\s*\{\{([\s\S]*)\}\}\s*$/, '$1'), scope);
  const parts = [reach, when].filter((p): p is string => p !== undefined);
  return parts.length === 0 ? undefined : parts.map((p) => `(${p})`).join(' and ');
}

/** The tasks of a level; `doPath` is where their list goes in the document, from index `first`. */
function tasksOf(
  ctx: ExportContext,
  level: Level,
  path: Path,
  scope: JqScope,
  doPath: Path,
  first: number,
): Record<string, Task>[] {
  const byId = new Map(level.nodes.map((n) => [n.id, n]));
  const order = topological(level);
  const always = new Set<string>();
  const out: Record<string, Task>[] = [];
  for (const node of order) {
    const index = level.nodes.indexOf(node);
    const nodePath = [...path, 'nodes', index];
    let guard: string | undefined;
    try {
      guard = guardOf(node, level, always, byId, scope);
    } catch (e) {
      if (!(e instanceof Unmappable)) throw e;
      ctx.leaveOut(node, [...nodePath, 'when'], `its when: ${e.message}`);
      guard = 'false';
    }
    if (guard === undefined && node.on_error === undefined) always.add(node.id);
    const taskPath = [...doPath, first + out.length, node.id];
    const task = taskOf(ctx, node, nodePath, scope, taskPath);
    if (guard !== undefined) task['if'] = `\${ ${guard} }`;
    out.push({ [node.id]: reorder(task) });
  }
  return out;
}

/** `if` first, then the task's own keys, `export` and `then` last, as people write them. */
function reorder(task: Task): Task {
  const { if: cond, export: exp, ...rest } = task;
  return {
    ...(cond === undefined ? {} : { if: cond }),
    ...rest,
    ...(exp === undefined ? {} : { export: exp }),
  };
}
