/**
 * @module importers/dify/nodes
 * One Dify node -> Weft nodes, as for astron-agent (../astron/nodes.ts): what other nodes read of
 * it, and where edges arrive and leave for a source handle (an if-else case, a class).
 */
import { jsonType, pathExpr, str, objects, list, plainText } from '../expr.js';
import type { WeftNode } from '../graph.js';
import { routeOn } from '../route.js';
import { simple, under, type NodeContext, type Translated } from './types.js';

export type { NodeContext, Translated } from './types.js';
export { translateHttp } from './http.js';
export { translateAggregator, translateIfElse } from './branches.js';

function model(ctx: NodeContext, weft: WeftNode, m: Record<string, any> | undefined): string {
  const name = str(m?.['name'], 'gpt-4o-mini');
  ctx.build.noteParam(
    weft,
    'model',
    `Dify model ${str(m?.['provider'], '')}/${name}: name one your OpenAI-compatible endpoint serves`,
  );
  return plainText(name);
}

function completion(w: Record<string, unknown>, m: Record<string, any> | undefined): void {
  const p = m?.['completion_params'] ?? {};
  if (typeof p.temperature === 'number') w['temperature'] = p.temperature;
  if (typeof p.max_tokens === 'number') w['max_tokens'] = p.max_tokens;
}

export function translateLlm(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const weft: WeftNode = { id: ctx.id, type: 'llm', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['model'] = model(ctx, weft, d['model']);
  const template = Array.isArray(d['prompt_template'])
    ? objects(d['prompt_template'])
    : objects([d['prompt_template'] ?? {}]);
  const text = (m: any) =>
    ctx.template(m?.edition_type === 'jinja2' ? m?.jinja2_text : m?.text, weft, 'messages');
  const system = template
    .filter((m) => m?.role === 'system')
    .map(text)
    .filter((t) => t !== '');
  const rest = template.filter((m) => m?.role !== 'system');
  if (system.length > 0) w['system'] = system.join('\n\n');
  const last = rest.at(-1);
  if (
    rest.length === 1 ||
    (last !== undefined && (last.role ?? 'user') === 'user' && rest.length > 0)
  ) {
    if (rest.length > 1)
      w['messages'] = rest.slice(0, -1).map((m) => ({ role: m?.role ?? 'user', content: text(m) }));
    w['prompt'] = text(last);
  } else {
    w['messages'] = rest.map((m) => ({ role: m?.role ?? 'user', content: text(m) }));
  }
  completion(w, d['model']);
  if (d['memory'] !== undefined && d['memory'] !== null)
    ctx.build.note(
      weft,
      'Dify memory (the chat history) is not carried: add a memory node to keep a conversation',
    );
  if (d['vision']?.enabled === true)
    ctx.build.note(weft, 'vision (files in the prompt) is not carried');
  return simple(ctx.id, [weft], (steps) =>
    steps[0] === 'reasoning_content'
      ? 'null'
      : steps[0] === 'text' || steps[0] === 'usage'
        ? pathExpr(ctx.id, steps)
        : pathExpr(ctx.id, steps),
  );
}

function variables(ctx: NodeContext, list: unknown): Record<string, string | null> {
  const vars: any[] = objects(list);
  return Object.fromEntries(
    vars.map((v) => {
      const e = ctx.select(v?.value_selector);
      return [str(v?.variable), e === undefined ? null : `{{ ${e} }}`];
    }),
  );
}

export function translateCode(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const code = str(d['code'], '').trimEnd();
  const python = str(d['code_language'], 'python3').startsWith('python');
  const weft: WeftNode = {
    id: ctx.id,
    type: 'code',
    name: ctx.node.title,
    with: {
      ...(python ? { language: 'python' } : {}),
      input: variables(ctx, d['variables']),
      source: python ? `${code}\n\nreturn main(**input)\n` : `${code}\n\nreturn main(input);\n`,
    },
  };
  ctx.build.noteParam(weft, 'source', "Dify's code, then a call of its main() with the variables");
  return simple(ctx.id, [weft], under(ctx.id));
}

export function translateTemplate(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const vars = variables(ctx, d['variables']);
  const weft: WeftNode = { id: ctx.id, type: 'set', name: ctx.node.title, with: {} };
  const text = str(d['template'], '');
  const jinja = /\{%|\{#|\{\{[^}]*\|/.test(text);
  const rendered = text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}|\{\{/g, (_m, name?: string) => {
    if (name === undefined) return "{{ '{{' }}";
    const [head, ...rest] = name.split('.');
    const v = vars[head ?? ''];
    const e = typeof v === 'string' ? v.slice(3, -3) : undefined;
    if (e === undefined) {
      // Jinja renders a name it does not know as nothing.
      ctx.build.noteParam(
        weft,
        'values',
        `{{ ${name} }} names no variable of the node: it renders as nothing`,
      );
      return '';
    }
    return `{{ ${rest.length > 0 ? pathExpr(`(${e})`, rest) : e} }}`;
  });
  weft.with!['values'] = { output: rendered };
  if (jinja) {
    ctx.build.leaveOut(
      {
        id: ctx.node.id,
        title: ctx.node.title,
        kind: 'template-transform',
        reason:
          'Jinja2 statements, comments and filters ({% %}, {# #}, |) have no translation: only {{ variable }} parts were translated',
      },
      ctx.node.path,
    );
    ctx.build.noteParam(
      weft,
      'values',
      'left out: the Jinja2 statements and filters of this template are kept as text',
    );
  }
  return simple(ctx.id, [weft], under(ctx.id));
}

export function translateKnowledge(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const datasets = list(d['dataset_ids']);
  const query = ctx.select(d['query_variable_selector']);
  const topK = d['multiple_retrieval_config']?.top_k;
  const weft: WeftNode = {
    id: ctx.id,
    type: 'knowledge',
    name: ctx.node.title,
    with: {
      op: 'query',
      collection: plainText(str(datasets[0], 'knowledge')),
      // A query not set yet in the editor reads null: the run says so at this node.
      query: `{{ ${query ?? 'null'} }}`,
      top_k: typeof topK === 'number' ? topK : 4,
      credential: 'openai',
      model: 'text-embedding-3-small',
    },
  };
  ctx.build.note(
    weft,
    `Dify dataset${datasets.length > 1 ? 's ' + datasets.join(', ') + ' (the first is queried)' : ''}: a Weft collection of that name, filled with knowledge op: add; result is matches ({ text, score, metadata })`,
  );
  return simple(ctx.id, [weft], (steps) =>
    steps[0] === 'result' ? pathExpr(`${ctx.id}.matches`, steps.slice(1)) : pathExpr(ctx.id, steps),
  );
}

/** An llm asked for JSON matching `schema` (question-classifier, parameter-extractor). */
function jsonLlm(
  ctx: NodeContext,
  system: string,
  query: string | undefined,
  schema: Record<string, unknown>,
): WeftNode {
  const d = ctx.node.data;
  const weft: WeftNode = { id: ctx.id, type: 'llm', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['model'] = model(ctx, weft, d['model']);
  const instruction = ctx.template(d['instruction'] ?? d['instructions'], weft, 'system');
  w['system'] = [system, instruction].filter((s) => s !== '').join('\n\n');
  w['prompt'] = query === undefined ? '' : `{{ ${query} }}`;
  w['json_schema'] = schema;
  completion(w, d['model']);
  return weft;
}

export function translateClassifier(ctx: NodeContext): Translated {
  const classes: any[] = objects(ctx.node.data['classes']);
  const names = classes.map((c) => plainText(str(c?.name, '')));
  const weft = jsonLlm(
    ctx,
    `Classify the input into one of these classes; answer its name as class_name.\n${names.map((n) => `- ${n}`).join('\n')}`,
    ctx.select(ctx.node.data['query_variable_selector']),
    {
      type: 'object',
      required: ['class_name'],
      properties: { class_name: { type: 'string', enum: names } },
    },
  );
  ctx.build.note(weft, 'question classifier: an llm answering the class, then a switch on it');
  const { route, ports } = routeOn(
    ctx.build.ids,
    { id: ctx.id, title: ctx.node.title },
    `${ctx.id}.json.class_name`,
    classes.map((c) => ({ handle: str(c?.id, ''), value: str(c?.name, '') })),
  );
  if (classes.length === 0) {
    return simple(ctx.id, [weft], (steps) =>
      steps[0] === 'class_name' ? `${ctx.id}.json.class_name` : pathExpr(ctx.id, steps),
    );
  }
  return {
    nodes: [weft, route],
    entry: ctx.id,
    exit: (handle) => {
      const port = handle === undefined ? undefined : ports.get(handle);
      return port === undefined ? { from: ctx.id } : { from: route.id, port };
    },
    output: (steps) =>
      steps[0] === 'class_name' ? `${ctx.id}.json.class_name` : pathExpr(ctx.id, steps),
  };
}

export function translateExtractor(ctx: NodeContext): Translated {
  const params = objects(ctx.node.data['parameters']);
  const properties = Object.fromEntries(
    params.map((p) => [
      str(p?.name),
      { ...jsonType(p?.type), ...(p?.description ? { description: str(p.description) } : {}) },
    ]),
  );
  const weft = jsonLlm(
    ctx,
    'Extract the described parameters from the text. Answer JSON only.',
    ctx.select(ctx.node.data['query']),
    {
      type: 'object',
      properties,
      required: params.filter((p) => p?.required === true).map((p) => str(p?.name)),
    },
  );
  return simple(ctx.id, [weft], (steps) => {
    if (steps[0] === '__is_success') return `$exists(${ctx.id}.json)`;
    if (steps[0] === '__reason') return 'null';
    return pathExpr(`${ctx.id}.json`, steps);
  });
}

export function translateAnswer(ctx: NodeContext): Translated {
  const weft: WeftNode = { id: ctx.id, type: 'message', name: ctx.node.title, with: {} };
  weft.with!['text'] = ctx.template(ctx.node.data['answer'], weft, 'text');
  return simple(ctx.id, [weft], () => `${ctx.id}.text`);
}

export function translateEnd(ctx: NodeContext): Translated {
  const outputs: any[] = objects(ctx.node.data['outputs']);
  const values = Object.fromEntries(
    outputs.map((o) => {
      const e = ctx.select(o?.value_selector);
      return [str(o?.variable), e === undefined ? null : `{{ ${e} }}`];
    }),
  );
  const weft: WeftNode = { id: ctx.id, type: 'end', name: ctx.node.title, with: { values } };
  return simple(ctx.id, [weft], under(ctx.id));
}

/** The value of a tool parameter: `mixed` text with references, a `variable` selector, a `constant`. */
function toolArgument(ctx: NodeContext, weft: WeftNode, p: unknown): unknown {
  if (typeof p !== 'object' || p === null) return p ?? null;
  const { type, value } = p as { type?: unknown; value?: unknown };
  if (type === 'variable') {
    const e = ctx.select(value);
    return e === undefined ? null : `{{ ${e} }}`;
  }
  if (type === 'mixed' && typeof value === 'string') return ctx.template(value, weft, 'input');
  return value ?? null;
}

/**
 * A tool that is another Dify workflow (`provider_type: workflow`) as a `subworkflow` of that
 * workflow imported too; other tools run on Dify's plugin runtime (undefined: left out).
 */
export function translateWorkflowTool(ctx: NodeContext): Translated | undefined {
  const d = ctx.node.data;
  if (d['provider_type'] !== 'workflow') return undefined;
  const name = str(d['tool_name']) || str(d['provider_id']);
  const workflow =
    name
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+|-+$/g, '') || 'dify-workflow';
  const weft: WeftNode = {
    id: ctx.id,
    type: 'subworkflow',
    name: ctx.node.title,
    with: { workflow },
  };
  const params = (
    typeof d['tool_parameters'] === 'object' && d['tool_parameters'] !== null
      ? d['tool_parameters']
      : {}
  ) as Record<string, unknown>;
  weft.with!['input'] = Object.fromEntries(
    Object.entries(params).map(([k, p]) => [k, toolArgument(ctx, weft, p)]),
  );
  ctx.build.noteParam(
    weft,
    'workflow',
    `the Dify workflow tool ${name}: import that app too and publish it with this id`,
  );
  return simple(ctx.id, [weft], (steps) => {
    const [head, ...rest] = steps;
    if (head === 'text') return `$string(${ctx.id})`;
    if (head === 'json') return pathExpr(ctx.id, rest);
    if (head === 'files') return '[]';
    return pathExpr(ctx.id, steps);
  });
}
