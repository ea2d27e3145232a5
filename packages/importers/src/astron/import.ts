/**
 * @module importers/astron/import
 * An astron-agent workflow (canvas JSON) -> a Weft definition: the start node's outputs become
 * the inputs, each node its Weft counterpart (nodes.ts), iteration bodies foreach bodies, and
 * every reference `{ nodeId, name }` an expression over the Weft node's output.
 */
import { pathExpr, jsonType, str, objects } from '../expr.js';
import {
  Build,
  funnelInto,
  levelData,
  translateOnce,
  type Level,
  type WeftNode,
} from '../graph.js';
import type { Translation } from '../problems.js';
import { readSource } from '../source.js';
import { readCanvas, type Canvas, type CanvasNode } from './canvas.js';
import * as t from './nodes.js';
import { inputsOf } from './refs.js';

export interface ImportOptions {
  /** The workflow's id (default `imported`). */
  id?: string;
}

/** Kinds with no Weft node: their outputs are the workflow's inputs or the body's item. */
const ENTRY_KINDS = new Set(['node-start', 'iteration-node-start']);

const UNSUPPORTED: Record<string, string> = {
  'node-variable':
    "astron's long-term variable storage has no Weft counterpart (a memory node keeps messages, not variables)",
  database: "astron's database node runs SQL on astron's own database service",
  plugin:
    "astron's tool plugins run on astron's link service; call the tool with an http or tool (MCP) node",
  rpa: 'astron RPA robots run on astron',
  'memory-add': "astron's memory service",
  'memory-search': "astron's memory service",
  loop: 'astron loops (loop-node-start, loop-exit) are not translated yet',
  'knowledge-expert-base': "astron's knowledge expert service",
};

/**
 * Translates an astron-agent canvas.
 * @throws TranslateError when the text is not JSON/YAML or holds no canvas, with a position
 */
export function importAstron(text: string, options: ImportOptions = {}): Translation {
  const source = readSource(text, 'the canvas');
  const canvas = readCanvas(source);
  const build = new Build(source);
  const { top, bodies } = levels(canvas);
  const ids = new Map<string, string>();
  for (const n of canvas.nodes)
    if (!ENTRY_KINDS.has(n.kind)) ids.set(n.id, build.ids.take(n.title, n.kind));
  const translated = new Map<string, t.Translated>();
  const byId = new Map(canvas.nodes.map((n) => [n.id, n]));

  const resolve = (nodeId: string, name: string): string | undefined => {
    const from = byId.get(nodeId);
    if (from === undefined) return undefined;
    const steps = name.split('.');
    if (from.kind === 'node-start') return pathExpr('inputs', steps);
    if (from.kind === 'iteration-node-start')
      return steps.length > 1 ? pathExpr('item', steps.slice(1)) : 'item';
    const id = ids.get(nodeId);
    if (id === undefined) return undefined;
    // Outputs are asked for lazily: a node may read one translated later in the file.
    return `${outputOf(nodeId, steps[0] ?? '')}${steps.length > 1 ? pathExpr('', steps.slice(1)) : ''}`;
  };
  const outputOf = (nodeId: string, name: string): string => ensure(byId.get(nodeId)!).output(name);
  /** The node's translation, made once; a node met again while it is made reads itself. */
  const ensure = translateOnce<CanvasNode, t.Translated>(
    translated,
    source,
    (node) => translate(node),
    'its references or parentId',
  );

  const translate = (node: CanvasNode): t.Translated => {
    const id = ids.get(node.id)!;
    const missing: string[] = [];
    const inputs = inputsOf(node, resolve, (input, why) => {
      missing.push(`input ${input} ${why}: it reads null`);
      // A reference to a node the canvas does not have is a part left out; an empty one is an
      // input not filled in yet in the editor.
      if (why !== 'refers to nothing' && why !== 'has no value') {
        build.leaveOut(
          {
            id: node.id,
            title: node.title,
            kind: 'reference',
            reason: `its input ${input} ${why}`,
          },
          node.path,
        );
      }
    });
    const tr = translateKind({ build, node, id, inputs });
    for (const m of missing) build.note(tr.nodes[0]!, m);
    return tr;
  };

  const translateKind = (ctx: t.NodeContext): t.Translated => {
    const { node, id } = ctx;
    switch (node.kind) {
      case 'spark-llm':
        return t.translateLlm(ctx);
      case 'ifly-code':
        return t.translateCode(ctx);
      case 'knowledge-base':
        return t.translateKnowledge(ctx, false);
      case 'knowledge-pro-base':
        return t.translateKnowledge(ctx, true);
      case 'decision-making':
        return t.translateDecision(ctx);
      case 'if-else':
        return t.translateIfElse(ctx);
      case 'question-answer':
        return t.translateQuestion(ctx);
      case 'agent':
        return t.translateAgent(ctx);
      case 'text-joiner':
        return t.translateTextJoiner(ctx);
      case 'message':
        return t.translateMessage(ctx);
      case 'node-end':
      case 'iteration-node-end':
        return t.translateEnd(ctx);
      case 'flow':
        return t.translateFlow(ctx);
      case 'variable-aggregation':
        return t.translateAggregation(ctx);
      case 'extractor-parameter':
        return t.translateExtractor(ctx);
      case 'iteration':
        return translateIteration(ctx);
      default:
        return leftOut(node, id);
    }
  };

  const leftOut = (node: CanvasNode, id: string): t.Translated => {
    const reason =
      UNSUPPORTED[node.kind] ?? `no Weft translation for astron node kind "${node.kind}"`;
    const weft = build.placeholder(node, id, 'astron', reason);
    return { nodes: [weft], entry: id, exit: () => ({ from: id }), output: () => 'null' };
  };

  const translateIteration = (ctx: t.NodeContext): t.Translated => {
    const members = bodies.get(ctx.node.id) ?? [];
    const level = buildLevel(members);
    const bare = level.nodes.length === 0;
    if (bare) {
      // An iteration with nothing inside yet: each item is its own output.
      const empty: WeftNode = {
        id: build.ids.take(`${ctx.id}_item`, 'item'),
        type: 'transform',
        with: { expression: 'item' },
      };
      build.note(empty, 'the iteration has no body in the canvas: each item is its output');
      level.nodes.push(empty);
    }
    // The body ends at its iteration-node-end: as a transform every other sink leads to, its value
    // is the body's output, so the foreach outputs the list of those values.
    const end = members.find((m) => m.kind === 'iteration-node-end');
    let single = bare;
    if (end !== undefined) {
      const endId = ids.get(end.id)!;
      const endNode = level.nodes.find((n) => n.id === endId);
      const values = (endNode?.with?.['values'] ?? {}) as Record<string, unknown>;
      const keys = Object.keys(values);
      single = keys.length === 1;
      if (endNode !== undefined) {
        endNode.type = 'transform';
        endNode.with = {
          expression: single
            ? strip(values[keys[0]!])
            : `{ ${keys.map((k) => `${JSON.stringify(k)}: ${strip(values[k])}`).join(', ')} }`,
        };
        funnelInto(level, endId);
      }
    }
    const items = ctx.inputs.get(ctx.inputs.names[0] ?? '') ?? '[]';
    const weft: WeftNode = {
      id: ctx.id,
      type: 'foreach',
      name: ctx.node.title,
      with: { items },
      nodes: level.nodes,
      edges: level.edges,
    };
    return {
      nodes: [weft],
      entry: ctx.id,
      exit: () => ({ from: ctx.id }),
      output: (name) => (single ? ctx.id : `$map(${ctx.id}, function($v) { $v.${name} })`),
    };
  };

  const buildLevel = (members: CanvasNode[]): Level => {
    const memberIds = new Set(members.map((m) => m.id));
    const nodes: WeftNode[] = [];
    for (const m of members) {
      if (ENTRY_KINDS.has(m.kind)) continue;
      nodes.push(...ensure(m).nodes);
    }
    const edges = [];
    for (const e of canvas.edges) {
      if (!memberIds.has(e.source) || !memberIds.has(e.target)) continue;
      const from = byId.get(e.source)!;
      if (ENTRY_KINDS.has(from.kind) || ENTRY_KINDS.has(byId.get(e.target)!.kind)) continue;
      const exit = translated.get(e.source)!.exit(e.handle);
      edges.push({ ...exit, to: translated.get(e.target)!.entry });
    }
    // Nodes inside a route (decision + its switch) are linked to each other.
    for (const tr of translated.values()) {
      if (tr.nodes.length === 2 && nodes.includes(tr.nodes[0]!))
        edges.push({ from: tr.nodes[0]!.id, to: tr.nodes[1]!.id });
    }
    return { nodes, edges };
  };

  const level = buildLevel(top);
  const start = canvas.nodes.find((n) => n.kind === 'node-start');
  const document: Record<string, unknown> = { id: options.id ?? 'imported' };
  if (start !== undefined) document['inputs'] = inputsSchema(start);
  Object.assign(document, levelData(level));
  return { document, notes: build.notesOf(level), unsupported: build.unsupported };
}

/** `{{ e }}` -> `e`, for a template that is exactly one expression. */
function strip(v: unknown): string {
  const m = typeof v === 'string' ? /^\{\{ ([\s\S]*) \}\}$/.exec(v) : null;
  return m === null ? JSON.stringify(v ?? null) : m[1]!;
}

/** The start node's outputs as the inputs' JSON Schema. */
function inputsSchema(start: CanvasNode): Record<string, unknown> {
  const outputs: any[] = objects(start.data['outputs']);
  const properties = Object.fromEntries(
    outputs.map((o) => {
      const schema = o?.schema ?? {};
      const p: Record<string, unknown> = jsonType(schema.type);
      if (typeof schema.default === 'string' && schema.default !== '')
        p['description'] = schema.default;
      return [str(o?.name), p];
    }),
  );
  const required = outputs.filter((o) => o?.required === true).map((o) => str(o?.name));
  return { type: 'object', ...(required.length > 0 ? { required } : {}), properties };
}

/** The top level's nodes and each iteration's body (by parentId, else by reach from its start). */
function levels(canvas: Canvas): { top: CanvasNode[]; bodies: Map<string, CanvasNode[]> } {
  const bodies = new Map<string, CanvasNode[]>();
  const inBody = new Set<string>();
  const next = new Map<string, string[]>();
  for (const e of canvas.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  for (const it of canvas.nodes.filter((n) => n.kind === 'iteration')) {
    const ids = new Set(canvas.nodes.filter((n) => n.parentId === it.id).map((n) => n.id));
    const startId = it.data['nodeParam']?.IterationStartNodeId;
    const queue = typeof startId === 'string' ? [startId] : [];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (ids.has(id) && id !== startId) continue;
      ids.add(id);
      queue.push(...(next.get(id) ?? []).filter((n) => !ids.has(n)));
    }
    const members = canvas.nodes.filter((n) => ids.has(n.id));
    bodies.set(it.id, members);
    for (const id of ids) inBody.add(id);
  }
  return { top: canvas.nodes.filter((n) => !inBody.has(n.id)), bodies };
}
