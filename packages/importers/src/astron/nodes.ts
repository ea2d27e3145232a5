/**
 * @module importers/astron/nodes
 * One astron-agent node -> Weft nodes. Each translation says which Weft node other nodes read
 * (`outputs`), where edges arrive and from which node and port they leave for a source handle
 * (a branch's case, a decision's intent, an answer option).
 */
import { literal, pathExpr, str, objects, list, plainText } from '../expr.js';
import { slug } from '../ids.js';
import { routeOn, type Choice } from '../route.js';
import type { WeftNode } from '../graph.js';
import type { CanvasNode } from './canvas.js';
import { astronTemplate } from './refs.js';
import { conditionOf } from './conditions.js';
import type { NodeContext, Translated } from './types.js';

export type { NodeContext, Translated } from './types.js';

const plain =
  (id: string): Translated['exit'] =>
  () => ({ from: id });
const param = (n: CanvasNode): Record<string, any> => n.data['nodeParam'] ?? {};

/** A template over the node's inputs; names that are not inputs are noted on the node. */
function template(ctx: NodeContext, weft: WeftNode, key: string, text: unknown): string {
  return astronTemplate(text, ctx.inputs, (name) =>
    ctx.build.noteParam(weft, key, `{{${name}}} names no input of the node: left out`),
  );
}

/** The first input's expression as a template, for nodes whose prompt is empty. */
function firstInput(ctx: NodeContext): string {
  const name = ctx.inputs.names[0];
  const e = name === undefined ? undefined : ctx.inputs.get(name);
  return e === undefined ? '' : `{{ ${e} }}`;
}

/** An object of the node's inputs as templates (a code node's `input`, a child run's input). */
function inputObject(ctx: NodeContext): Record<string, string | null> {
  return Object.fromEntries(
    ctx.inputs.names.map((n) => {
      const e = ctx.inputs.get(n);
      return [n, e === undefined ? null : `{{ ${e} }}`];
    }),
  );
}

function simple(id: string, nodes: WeftNode[], output: (name: string) => string): Translated {
  return { nodes, entry: id, exit: plain(id), output };
}

function modelOf(ctx: NodeContext, weft: WeftNode, p: Record<string, any>): string {
  const model =
    str(p['domain']) || str(p['model']) || str(p['modelConfig']?.domain) || 'gpt-4o-mini';
  ctx.build.noteParam(
    weft,
    'model',
    `astron model "${model}" (${str(p['serviceId']) || str(p['model']) || 'astron'}): name one your OpenAI-compatible endpoint serves`,
  );
  return plainText(model);
}

export function translateLlm(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const weft: WeftNode = { id: ctx.id, type: 'llm', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['model'] = modelOf(ctx, weft, p);
  const system = template(ctx, weft, 'system', p['systemTemplate']);
  if (system !== '') w['system'] = system;
  w['prompt'] = template(ctx, weft, 'prompt', p['template']) || firstInput(ctx);
  if (typeof p['temperature'] === 'number') w['temperature'] = p['temperature'];
  if (typeof p['maxTokens'] === 'number') w['max_tokens'] = p['maxTokens'];
  if (p['enableChatHistoryV2']?.isEnabled === true)
    ctx.build.note(weft, 'chat history is not carried: add a memory node to keep a conversation');
  return simple(ctx.id, [weft], (name) =>
    name === 'output'
      ? `${ctx.id}.text`
      : name === 'REASONING_CONTENT'
        ? 'null'
        : pathExpr(ctx.id, [name]),
  );
}

export function translateCode(ctx: NodeContext): Translated {
  const code = str(param(ctx.node)['code']);
  const weft: WeftNode = {
    id: ctx.id,
    type: 'code',
    name: ctx.node.title,
    with: {
      language: 'python',
      input: inputObject(ctx),
      source: `${code.trimEnd()}\n\nreturn main(**input)\n`,
    },
  };
  ctx.build.noteParam(weft, 'source', "astron's code, then a call of its main() with the inputs");
  return simple(ctx.id, [weft], (name) => pathExpr(ctx.id, [name]));
}

export function translateKnowledge(ctx: NodeContext, pro: boolean): Translated {
  const p = param(ctx.node);
  const repos: unknown[] = Array.isArray(p['repoId'])
    ? p['repoId']
    : Array.isArray(p['repoIds'])
      ? p['repoIds']
      : [];
  const query = ctx.inputs.get('query') ?? ctx.inputs.get(ctx.inputs.names[0] ?? '');
  const weft: WeftNode = {
    id: ctx.id,
    type: 'knowledge',
    name: ctx.node.title,
    with: {
      op: 'query',
      collection: plainText(str(repos[0], 'knowledge')),
      // A query not set yet in the editor reads null: the run says so at this node.
      query: `{{ ${query ?? 'null'} }}`,
      top_k: Number(p['topN'] ?? p['repoTopK'] ?? 3),
      credential: 'openai',
      model: 'text-embedding-3-small',
    },
  };
  ctx.build.note(
    weft,
    `astron knowledge base${repos.length > 1 ? 's ' + repos.join(', ') + ' (the first is queried)' : ''}: a Weft collection of that name, filled with knowledge op: add; matches are { text, score, metadata }`,
  );
  if (pro)
    ctx.build.note(
      weft,
      'knowledge pro: the retrieval only; put an llm node after it to answer from the matches',
    );
  return simple(ctx.id, [weft], (name) =>
    name === 'output' && pro ? `$join(${ctx.id}.matches.text, '\\n')` : `${ctx.id}.matches`,
  );
}

/** An LLM classification (decision-making) or an answer option: a node, then a switch on it. */
function routed(
  ctx: NodeContext,
  first: WeftNode,
  value: string,
  choices: Choice[],
  output: (name: string) => string,
): Translated {
  const { route, ports } = routeOn(
    ctx.build.ids,
    { id: ctx.id, title: ctx.node.title },
    value,
    choices,
  ); // With no choice but the default, there is nothing to route: every edge leaves the node.
  if ((route.with!['cases'] as unknown[]).length === 0) return simple(ctx.id, [first], output);

  return {
    nodes: [first, route],
    entry: ctx.id,
    exit: (handle) => {
      const port = handle === undefined ? undefined : ports.get(handle);
      return port === undefined ? { from: ctx.id } : { from: route.id, port };
    },
    output,
  };
}

export function translateDecision(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const intents: any[] = objects(p['intentChains']);
  const names = intents.filter((i) => i?.intentType !== 1).map((i) => plainText(str(i?.name, '')));
  const weft: WeftNode = { id: ctx.id, type: 'llm', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['model'] = modelOf(ctx, weft, p);
  w['system'] =
    'Classify the input into one of these intents; answer the intent name as class_name, or "default" when none fits.\n' +
    intents
      .filter((i) => i?.intentType !== 1)
      .map((i) => plainText(`- ${str(i?.name, '')}: ${str(i?.description, '')}`))
      .join('\n');
  const prefix = template(ctx, weft, 'prompt', p['promptPrefix']);
  w['prompt'] = [prefix, firstInput(ctx)].filter((s) => s !== '').join('\n');
  w['json_schema'] = {
    type: 'object',
    required: ['class_name'],
    properties: { class_name: { type: 'string', enum: [...names, 'default'] } },
  };
  ctx.build.note(
    weft,
    'decision: an llm classifying into the intents, then a switch on its class_name',
  );
  return routed(
    ctx,
    weft,
    `${ctx.id}.json.class_name`,
    intents.map((i) => ({
      handle: str(i?.id, ''),
      value: str(i?.name, ''),
      isDefault: i?.intentType === 1,
    })),
    (name) => (name === 'class_name' ? `${ctx.id}.json.class_name` : pathExpr(ctx.id, [name])),
  );
}

export function translateIfElse(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const cases: any[] = Array.isArray(p['cases']) ? [...p['cases']] : [];
  cases.sort((a, b) => Number(a?.level ?? 0) - Number(b?.level ?? 0));
  const weft: WeftNode = { id: ctx.id, type: 'switch', name: ctx.node.title, with: { cases: [] } };
  const ports = new Map<string, string>();
  const out: { port: string; when: string }[] = [];
  for (const c of cases) {
    const caseId = str(c?.id, '');
    const conditions: any[] = Array.isArray(c?.conditions) ? c.conditions : [];
    if (Number(c?.level) === 999 || conditions.length === 0) {
      ports.set(caseId, 'default');
      continue;
    }
    const port = `case_${out.length + 1}`;
    ports.set(caseId, port);
    const op = str(c?.logicalOperator, 'and') === 'or' ? ' or ' : ' and ';
    const parts = conditions.map((cond) => conditionOf(ctx, weft, cond));
    out.push({ port, when: parts.map((x) => `(${x})`).join(op) });
  }
  weft.with!['cases'] = out;
  return {
    nodes: [weft],
    entry: ctx.id,
    exit: (handle) => ({
      from: ctx.id,
      port: (handle === undefined ? undefined : ports.get(handle)) ?? 'default',
    }),
    output: () => `${ctx.id}`,
  };
}

export function translateQuestion(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const options = p['answerType'] === 'option' ? objects(p['optionAnswer']) : [];
  const names = options.filter((o) => o?.type !== 1).map((o) => str(o?.content) || str(o?.name));
  const content =
    names.length > 0 ? { type: 'string', enum: names.map(plainText) } : { type: 'string' };
  const weft: WeftNode = {
    id: ctx.id,
    type: 'human',
    name: ctx.node.title,
    with: {
      prompt: '',
      schema: { type: 'object', required: ['content'], properties: { content } },
    },
  };
  weft.with!['prompt'] = template(ctx, weft, 'prompt', p['question']) || firstInput(ctx);
  ctx.build.note(weft, 'question-answer: a human node; the answer is { content }');
  const question = literal(str(p['question'], ''));
  const output = (name: string) =>
    name === 'query'
      ? question
      : name === 'content'
        ? `${ctx.id}.content`
        : pathExpr(ctx.id, [name]);
  if (options.length === 0) return simple(ctx.id, [weft], output);
  return routed(
    ctx,
    weft,
    `${ctx.id}.content`,
    options.map((o) => ({
      handle: str(o?.id, ''),
      value: str(o?.content) || str(o?.name),
      isDefault: o?.type === 1,
    })),
    output,
  );
}

export function translateAgent(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const weft: WeftNode = { id: ctx.id, type: 'agent', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['model'] = modelOf(ctx, weft, { domain: p['modelConfig']?.domain ?? p['serviceId'] });
  const instruction = p['instruction'] ?? {};
  const system = [instruction.reasoning, instruction.answer]
    .map((t: unknown) => template(ctx, weft, 'system', t))
    .filter((t: string) => t !== '')
    .join('\n\n');
  if (system !== '') w['system'] = system;
  w['prompt'] = template(ctx, weft, 'prompt', instruction.query) || firstInput(ctx);
  if (typeof p['maxLoopCount'] === 'number') w['max_steps'] = p['maxLoopCount'];
  w['tools'] = [];
  const plugin = p['plugin'] ?? {};
  const tools = ['toolsList', 'mcpServerUrls', 'workflowIds'].flatMap((k) => list(plugin[k]));
  if (tools.length > 0)
    ctx.build.noteParam(
      weft,
      'tools',
      `astron's tools (${tools.length}) are not carried: give them as inline nodes, workflows or MCP servers`,
    );
  return simple(ctx.id, [weft], (name) =>
    name === 'REASONING_CONTENT'
      ? 'null'
      : name === 'output'
        ? `${ctx.id}.text`
        : pathExpr(ctx.id, [name]),
  );
}

export function translateTextJoiner(ctx: NodeContext): Translated {
  const weft: WeftNode = { id: ctx.id, type: 'set', name: ctx.node.title, with: {} };
  const output = str((ctx.node.data['outputs'] as any[] | undefined)?.[0]?.name, 'output');
  weft.with!['values'] = { [output]: template(ctx, weft, 'values', param(ctx.node)['prompt']) };
  return simple(ctx.id, [weft], (name) => pathExpr(ctx.id, [name]));
}

export function translateMessage(ctx: NodeContext): Translated {
  const weft: WeftNode = { id: ctx.id, type: 'message', name: ctx.node.title, with: {} };
  weft.with!['text'] = template(ctx, weft, 'text', param(ctx.node)['template']) || firstInput(ctx);
  return simple(ctx.id, [weft], () => `${ctx.id}.text`);
}

export function translateEnd(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const weft: WeftNode = { id: ctx.id, type: 'end', name: ctx.node.title, with: {} };
  const values: Record<string, unknown> = inputObject(ctx);
  if (Number(p['outputMode']) === 1 && typeof p['template'] === 'string' && p['template'] !== '') {
    const key = 'answer' in values ? 'answer_text' : 'answer';
    values[key] = template(ctx, weft, 'values', p['template']);
    ctx.build.note(weft, `astron's answer template (outputMode 1) is the output \`${key}\``);
  }
  weft.with!['values'] = values;
  return simple(ctx.id, [weft], (name) => pathExpr(ctx.id, [name]));
}

export function translateFlow(ctx: NodeContext): Translated {
  const flowId = str(param(ctx.node)['flowId']);
  const workflow = slug(flowId).replace(/_/g, '-') || 'astron-flow';
  const weft: WeftNode = {
    id: ctx.id,
    type: 'subworkflow',
    name: ctx.node.title,
    with: { workflow, input: inputObject(ctx) },
  };
  ctx.build.noteParam(
    weft,
    'workflow',
    `astron workflow ${flowId}: import it too and publish it with this id`,
  );
  return simple(ctx.id, [weft], (name) => pathExpr(ctx.id, [name]));
}

export function translateAggregation(ctx: NodeContext): Translated {
  const exprs = ctx.inputs.names
    .map((n) => ctx.inputs.get(n))
    .filter((e): e is string => e !== undefined);
  const weft: WeftNode = {
    id: ctx.id,
    type: 'transform',
    name: ctx.node.title,
    with: { expression: exprs.reduceRight((rest, e) => `$exists(${e}) ? ${e} : ${rest}`, 'null') },
  };
  ctx.build.note(weft, 'variable aggregation: the first of its inputs that has a value');
  return simple(ctx.id, [weft], () => ctx.id);
}

export function translateExtractor(ctx: NodeContext): Translated {
  const p = param(ctx.node);
  const outputs: any[] = objects(ctx.node.data['outputs']);
  const properties = Object.fromEntries(
    outputs.map((o) => [
      str(o?.name),
      {
        ...jsonTypeOf(o?.schema?.type),
        ...(o?.schema?.description ? { description: plainText(str(o.schema.description)) } : {}),
      },
    ]),
  );
  const weft: WeftNode = { id: ctx.id, type: 'llm', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['model'] = modelOf(ctx, weft, p);
  w['system'] = 'Extract the described values from the text. Answer JSON only.';
  const instruction = template(ctx, weft, 'prompt', p['instruction'] ?? p['instructions']);
  w['prompt'] = [instruction, firstInput(ctx)].filter((s) => s !== '').join('\n');
  w['json_schema'] = {
    type: 'object',
    properties,
    required: outputs.filter((o) => o?.required === true).map((o) => str(o?.name)),
  };
  return simple(ctx.id, [weft], (name) => pathExpr(`${ctx.id}.json`, [name]));
}

function jsonTypeOf(type: unknown): Record<string, unknown> {
  const t = str(type, 'string');
  if (t.startsWith('array')) return { type: 'array' };
  return ['string', 'number', 'integer', 'boolean', 'object'].includes(t) ? { type: t } : {};
}
