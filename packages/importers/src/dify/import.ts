/**
 * @module importers/dify/import
 * A Dify app exported as DSL (YAML) -> a Weft definition: the start node's variables (and, in a
 * chatflow, `sys.query`) become the inputs, each node its Weft counterpart (nodes.ts), iteration
 * bodies foreach bodies, and every selector `[node, var]` or `{{#node.var#}}` an expression.
 */
import { jsonType, pathExpr, rewriteTemplate, str, objects } from '../expr.js';
import {
  Build,
  funnelInto,
  levelData,
  translateOnce,
  type Level,
  type WeftNode,
} from '../graph.js';
import { slug } from '../ids.js';
import type { Translation } from '../problems.js';
import { readSource } from '../source.js';
import { readDify, type DifyApp, type DifyNode } from './dsl.js';
import * as t from './nodes.js';

export interface ImportOptions {
  /** The workflow's id (default: from the app's name, else `imported`). */
  id?: string;
}

const ENTRY_KINDS = new Set(['start', 'iteration-start', 'loop-start']);

const UNSUPPORTED: Record<string, string> = {
  tool: "Dify tools run on Dify's plugin runtime: call the service with an http node, or an MCP server's tool with a tool node (a tool that is a Dify workflow becomes a subworkflow)",
  agent: "Dify agent strategies run on Dify's plugin runtime: use an agent node with its tools",
  'variable-assigner':
    'this variable assigner writes conversation variables, which live across the turns of a Dify chat; Weft runs keep no such state',
  assigner:
    'conversation variables live across the turns of a Dify chat; Weft runs keep no such state (a memory node keeps messages)',
  loop: 'Dify loops (loop-start, break conditions) are not translated yet',
  'list-operator': 'no translation yet: a transform node with a JSONata filter does the same',
  'document-extractor': "reads uploaded files, which Weft's inputs do not carry",
};

/** `sys.*` variables of Dify and what they become. */
const SYSTEM: Record<string, string> = {
  query: 'inputs.query',
  files: 'inputs.files',
  user_id: 'inputs.user_id',
  conversation_id: 'inputs.conversation_id',
  dialogue_count: 'inputs.dialogue_count',
  workflow_run_id: 'run.id',
  workflow_id: 'run.workflow',
  app_id: 'run.workflow',
};

/**
 * Translates a Dify workflow or chatflow DSL file.
 * @throws TranslateError when the text is not YAML/JSON or holds no Dify workflow graph
 */
export function importDify(text: string, options: ImportOptions = {}): Translation {
  const source = readSource(text, 'the DSL file');
  const app = readDify(source);
  const build = new Build(source);
  const byId = new Map(app.nodes.map((n) => [n.id, n]));
  const ids = new Map<string, string>();
  for (const n of app.nodes)
    if (!ENTRY_KINDS.has(n.kind)) ids.set(n.id, build.ids.take(n.title, n.kind));
  const translated = new Map<string, t.Translated>();
  const extraInputs = new Map<string, Record<string, unknown>>();

  const select = (selector: unknown): string | undefined => {
    if (!Array.isArray(selector) || selector.length < 2) return undefined;
    const [head, name, ...rest] = selector.map(String) as [string, string, ...string[]];
    if (head === 'sys') {
      const base = SYSTEM[name];
      if (base?.startsWith('inputs.'))
        extraInputs.set(name, {
          type: name === 'files' ? 'array' : name === 'dialogue_count' ? 'integer' : 'string',
        });
      return base === undefined ? undefined : pathExpr(base, rest);
    }
    if (head === 'env' || head === 'conversation') {
      const v = (head === 'env' ? app.environment : app.conversation).find(
        (x) => x['name'] === name,
      );
      const schema: Record<string, unknown> = { ...jsonType(v?.['value_type'] ?? 'string') };
      if (
        v !== undefined &&
        v['value_type'] !== 'secret' &&
        v['value'] !== undefined &&
        v['value'] !== ''
      )
        schema['default'] = v['value'];
      schema['description'] =
        `Dify ${head === 'env' ? 'environment' : 'conversation'} variable${v?.['value_type'] === 'secret' ? ' (a secret: give it at run time)' : ''}`;
      extraInputs.set(name, schema);
      return pathExpr(`inputs.${name}`, rest);
    }
    const from = byId.get(head);
    if (from === undefined) return undefined;
    if (from.kind === 'start') return pathExpr('inputs', [name, ...rest]);
    if (from.kind === 'iteration' && (name === 'item' || name === 'index'))
      return pathExpr(name, rest);
    if (!ids.has(head)) return undefined;
    return outputOf(from).output([name, ...rest]);
  };
  /** The node's translation, made once; a node met again while it is made reads itself. */
  const outputOf = translateOnce<DifyNode, t.Translated>(
    translated,
    source,
    (node) => translate(node),
    'its selectors or parentId',
  );
  const template = (text: unknown, weft: WeftNode, key: string): string =>
    typeof text !== 'string'
      ? ''
      : rewriteTemplate(
          text,
          /\{\{#([^#{}]+)#\}\}/,
          (inner) => (inner === 'context' ? contextOf(weft) : select(inner.split('.'))),
          (inner) => {
            build.noteParam(weft, key, `{{#${inner}#}} does not resolve: left out`);
            const node = byWeftId.get(weft.id);
            if (node !== undefined) miss(node, inner.split('.'));
          },
        );
  const byWeftId = new Map<string, DifyNode>();
  /** A selector that names nothing the graph has: listed, as the node reads nothing there. */
  const miss = (node: DifyNode, selector: unknown[]) =>
    build.leaveOut(
      {
        id: node.id,
        title: node.title,
        kind: 'reference',
        reason: `${selector.join('.')} names nothing in the app: read as nothing`,
      },
      node.path,
    );
  // The LLM node's context variable, which its prompt names {{#context#}}.
  const contextOf = (weft: WeftNode): string | undefined => {
    const node = [...byId.values()].find((n) => ids.get(n.id) === weft.id);
    const sel = node?.data['context']?.variable_selector;
    return sel === undefined ? undefined : select(sel);
  };

  const translate = (node: DifyNode): t.Translated => {
    byWeftId.set(ids.get(node.id)!, node);
    const checked = (selector: unknown) => {
      const e = select(selector);
      if (e === undefined && Array.isArray(selector) && selector.length >= 2) miss(node, selector);
      return e;
    };
    const ctx: t.NodeContext = { build, node, id: ids.get(node.id)!, select: checked, template };
    switch (node.kind) {
      case 'llm':
        return t.translateLlm(ctx);
      case 'code':
        return t.translateCode(ctx);
      case 'template-transform':
        return t.translateTemplate(ctx);
      case 'http-request':
        return t.translateHttp(ctx);
      case 'knowledge-retrieval':
        return t.translateKnowledge(ctx);
      case 'question-classifier':
        return t.translateClassifier(ctx);
      case 'parameter-extractor':
        return t.translateExtractor(ctx);
      case 'if-else':
        return t.translateIfElse(ctx);
      case 'variable-aggregator':
        return t.translateAggregator(ctx);
      case 'variable-assigner':
        // Before Dify 0.6 the aggregator was called variable-assigner and had `variables`.
        return Array.isArray(node.data['variables'])
          ? t.translateAggregator(ctx)
          : leftOut(node, ctx.id);
      case 'answer':
        return t.translateAnswer(ctx);
      case 'end':
        return t.translateEnd(ctx);
      case 'iteration':
        return translateIteration(ctx);
      case 'tool':
        return t.translateWorkflowTool(ctx) ?? leftOut(node, ctx.id);
      default:
        return leftOut(node, ctx.id);
    }
  };

  const leftOut = (node: DifyNode, id: string): t.Translated => {
    const reason =
      UNSUPPORTED[node.kind] ?? `no Weft translation for Dify node type "${node.kind}"`;
    const weft = build.placeholder(node, id, 'Dify', reason);
    return { nodes: [weft], entry: id, exit: () => ({ from: id }), output: () => 'null' };
  };

  const translateIteration = (ctx: t.NodeContext): t.Translated => {
    const members = app.nodes.filter((n) => n.parentId === ctx.node.id);
    const level = buildLevel(members);
    // The body ends at a transform of the output selector that every other sink leads to: its
    // value is the body's output, so the foreach outputs the list of those values, as Dify does.
    const outId = build.ids.take(`${ctx.id}_output`, 'output');
    const value = select(ctx.node.data['output_selector']) ?? 'null';
    level.nodes.push({
      id: outId,
      type: 'transform',
      name: `${ctx.node.title} (output)`,
      with: { expression: value },
    });
    funnelInto(level, outId);
    const w: Record<string, unknown> = {
      items: select(ctx.node.data['iterator_selector']) ?? '[]',
    };
    if (ctx.node.data['is_parallel'] === true)
      w['concurrency'] = Number(ctx.node.data['parallel_nums'] ?? 10);
    const weft: WeftNode = {
      id: ctx.id,
      type: 'foreach',
      name: ctx.node.title,
      with: w,
      nodes: level.nodes,
      edges: level.edges,
    };
    return {
      nodes: [weft],
      entry: ctx.id,
      exit: () => ({ from: ctx.id }),
      output: (steps) => pathExpr(ctx.id, steps.slice(1)),
    };
  };

  const buildLevel = (members: DifyNode[]): Level => {
    const memberIds = new Set(members.map((m) => m.id));
    const nodes: WeftNode[] = [];
    for (const m of members) if (!ENTRY_KINDS.has(m.kind)) nodes.push(...outputOf(m).nodes);
    const edges = [];
    for (const e of app.edges) {
      if (!memberIds.has(e.source) || !memberIds.has(e.target)) continue;
      if (ENTRY_KINDS.has(byId.get(e.source)!.kind) || ENTRY_KINDS.has(byId.get(e.target)!.kind))
        continue;
      edges.push({
        ...outputOf(byId.get(e.source)!).exit(e.handle),
        to: outputOf(byId.get(e.target)!).entry,
      });
    }
    for (const m of members) {
      const tr = translated.get(m.id);
      if (tr !== undefined && tr.nodes.length === 2)
        edges.push({ from: tr.nodes[0]!.id, to: tr.nodes[1]!.id });
    }
    return { nodes, edges };
  };

  const level = buildLevel(app.nodes.filter((n) => n.parentId === undefined));
  const document: Record<string, unknown> = {
    id:
      options.id ??
      (slug(app.name ?? '')
        .replace(/_/g, '-')
        .slice(0, 64) ||
        'imported'),
  };
  if (app.name !== undefined) document['name'] = app.name;
  if (app.description !== undefined) document['description'] = app.description;
  document['inputs'] = inputsSchema(app, extraInputs);
  const outputs = answerOutputs(app, ids);
  if (outputs !== undefined) document['outputs'] = outputs;
  Object.assign(document, levelData(level));
  return { document, notes: build.notesOf(level), unsupported: build.unsupported };
}

function inputsSchema(
  app: DifyApp,
  extra: Map<string, Record<string, unknown>>,
): Record<string, unknown> {
  const start = app.nodes.find((n) => n.kind === 'start');
  const vars = objects(start?.data['variables']);
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const v of vars) {
    const name = str(v?.variable);
    const type = str(v?.type, 'text-input');
    const p: Record<string, unknown> =
      type === 'file'
        ? { type: 'object' }
        : type === 'file-list'
          ? { type: 'array' }
          : jsonType(type);
    if (type === 'select' && Array.isArray(v?.options) && v.options.length > 0)
      p['enum'] = v.options;
    if (typeof v?.max_length === 'number' && p['type'] === 'string') p['maxLength'] = v.max_length;
    if (typeof v?.label === 'string' && v.label !== name) p['title'] = v.label;
    if (v?.default !== undefined && v?.default !== '') p['default'] = v.default;
    properties[name] = p;
    if (v?.required === true) required.push(name);
  }
  for (const [name, schema] of extra) {
    if (name in properties) continue;
    properties[name] = schema;
    if (name === 'query' && app.mode === 'advanced-chat') required.push(name);
  }
  return { type: 'object', ...(required.length > 0 ? { required } : {}), properties };
}

/** A chatflow answers with its answer nodes: their texts are the outputs (there is no end node). */
function answerOutputs(app: DifyApp, ids: Map<string, string>): Record<string, string> | undefined {
  if (app.nodes.some((n) => n.kind === 'end')) return undefined;
  const answers = app.nodes.filter((n) => n.kind === 'answer' && n.parentId === undefined);
  if (answers.length === 0) return undefined;
  if (answers.length === 1) return { answer: `{{ ${ids.get(answers[0]!.id)!}.text }}` };
  return Object.fromEntries(answers.map((a) => [ids.get(a.id)!, `{{ ${ids.get(a.id)!}.text }}`]));
}
