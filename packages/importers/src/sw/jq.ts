/**
 * @module importers/sw/jq
 * Weft's JSONata expressions and `{{ }}` templates as jq, the expression language of Serverless
 * Workflow documents, for the forms that have a jq equivalent: paths, literals, comparisons,
 * arithmetic, `and`/`or`, conditions, string joins, object and array constructors, and a few
 * functions. Anything else throws {@link Unmappable}, naming what.
 *
 * Names: `inputs.x` reads `$context.inputs.x`, a node id `$context["id"]` (the exporter keeps each
 * node's output in the context under its id), `item` and `index` the `for` task's `$item`,
 * `$index`.
 */
import jsonata from 'jsonata';

export class Unmappable extends Error {}

export interface JqScope {
  /** Node ids whose output is a list that paths map over (foreach nodes). */
  lists: ReadonlySet<string>;
  /** Node ids visible here. */
  nodes: ReadonlySet<string>;
  /** Inside a foreach body: `item` and `index` are the loop's. */
  inBody: boolean;
  /** Inside a loop body: the loop node's id, whose `iteration` and `previous` the context keeps. */
  loop?: string;
}

/** jq of JSONata truthiness: false for null, false, 0, "", [] and {}. */
export const truthy = (e: string) =>
  `((${e}) as $v | if ($v == null or $v == false or $v == 0 or $v == "" or $v == [] or $v == {}) then false else true end)`;

/** jq of JSONata's text of a value in a string join or a template: "" for null. */
export const text = (e: string) =>
  `((${e}) | if type == "string" then . elif . == null then "" else tojson end)`;

const key = (name: string) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;

/** A JSONata expression as jq. @throws Unmappable */
export function toJq(expression: string, scope: JqScope): string {
  return node(parse(expression), scope);
}

/** A JSONata condition as a jq boolean, with JSONata's truthiness where the value may not be one. */
export function toJqCondition(expression: string, scope: JqScope): string {
  const ast = parse(expression);
  const jq = node(ast, scope);
  return isBoolean(ast) ? jq : truthy(jq);
}

function parse(expression: string): any {
  try {
    return jsonata(expression).ast();
  } catch (e) {
    throw new Unmappable(`does not parse: ${(e as Error).message}`);
  }
}

const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=', 'and', 'or', 'in']);

function isBoolean(ast: any): boolean {
  if (ast.type === 'binary') return COMPARISONS.has(ast.value);
  if (ast.type === 'value') return typeof ast.value === 'boolean';
  if (ast.type === 'block') return ast.expressions.length === 1 && isBoolean(ast.expressions[0]);
  if (ast.type === 'function')
    return ['not', 'exists', 'boolean', 'contains'].includes(ast.procedure?.value);
  return false;
}

const BINARY: Record<string, string> = {
  '=': '==',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
};

function node(ast: any, scope: JqScope): string {
  switch (ast.type) {
    case 'string':
    case 'number':
    case 'value':
      return JSON.stringify(ast.value);
    case 'path':
      return path(ast.steps, scope);
    case 'name':
      return path([ast], scope);
    case 'binary': {
      const l = node(ast.lhs, scope);
      const r = node(ast.rhs, scope);
      if (ast.value === 'and' || ast.value === 'or') {
        const side = (a: any, e: string) => (isBoolean(a) ? e : truthy(e));
        return `(${side(ast.lhs, l)} ${ast.value} ${side(ast.rhs, r)})`;
      }
      if (ast.value === '&') return `(${text(l)} + ${text(r)})`;
      if (ast.value === 'in') return `((${l}) as $x | [${r}] | flatten | any(. == $x))`;
      const op = BINARY[ast.value as string];
      if (op === undefined)
        throw new Unmappable(`the operator ${String(ast.value)} has no jq form here`);
      return `(${l} ${op} ${r})`;
    }
    case 'unary':
      if (ast.value === '-') return `(-(${node(ast.expression, scope)}))`;
      if (ast.value === '[')
        return `[${(ast.expressions as any[]).map((e) => node(e, scope)).join(', ')}]`;
      if (ast.value === '{') {
        const pairs = (ast.lhs as any[][]).map(([k, v]) => {
          const name = k.type === 'string' ? JSON.stringify(k.value) : `(${node(k, scope)})`;
          return `${name}: ${node(v, scope)}`;
        });
        return `{${pairs.join(', ')}}`;
      }
      throw new Unmappable(`the operator ${String(ast.value)} has no jq form here`);
    case 'condition': {
      const c = isBoolean(ast.condition)
        ? node(ast.condition, scope)
        : truthy(node(ast.condition, scope));
      const t = node(ast.then, scope);
      const e = ast.else === undefined ? 'null' : node(ast.else, scope);
      return `(if ${c} then ${t} else ${e} end)`;
    }
    case 'block':
      if ((ast.expressions as any[]).length === 1) return `(${node(ast.expressions[0], scope)})`;
      throw new Unmappable('a block of several expressions has no jq form here');
    case 'function':
      return call(ast, scope);
    default:
      throw new Unmappable(`${String(ast.type)} expressions have no jq form here`);
  }
}

function path(steps: any[], scope: JqScope): string {
  if (
    steps.some(
      (s) => s.type !== 'name' || (s.stages ?? s.predicate) !== undefined || s.group !== undefined,
    )
  ) {
    throw new Unmappable('paths with filters, functions or variables have no jq form here');
  }
  const [head, ...rest] = steps.map((s) => String(s.value));
  let base: string;
  if (head === 'inputs') base = '$context.inputs';
  else if (scope.inBody && (head === 'item' || head === 'index')) base = `$${head}`;
  else if (scope.loop !== undefined && (head === 'iteration' || head === 'previous'))
    base = `$context[${JSON.stringify(`${scope.loop}__${head}`)}]`;
  else if (head !== undefined && scope.nodes.has(head)) base = `$context${key(head)}`;
  else throw new Unmappable(`the name ${String(head)} has no jq form here`);
  if (rest.length === 0) return base;
  const tail = rest.map(key).join('');
  // JSONata maps a path over a list; jq must say so: [ .[] | .field ].
  return head !== undefined && scope.lists.has(head)
    ? `[${base}[] | ${tail.startsWith('[') ? `.${tail}` : tail}]`
    : `${base}${tail}`;
}

const FUNCTIONS: Record<string, (args: string[]) => string> = {
  length: ([a]) => `(${a} | length)`,
  count: ([a]) => `([${a}] | flatten | length)`,
  uppercase: ([a]) => `(${a} | ascii_upcase)`,
  lowercase: ([a]) => `(${a} | ascii_downcase)`,
  max: ([a]) => `([${a}] | flatten | max)`,
  min: ([a]) => `([${a}] | flatten | min)`,
  string: ([a]) => text(a!),
  number: ([a]) => `(${a} | tonumber)`,
  boolean: ([a]) => truthy(a!),
  not: ([a]) => `(${truthy(a!)} | not)`,
  exists: ([a]) => `(${a} != null)`,
  join: ([a, sep]) => `(${a} | join(${sep ?? '""'}))`,
  contains: ([a, b]) => `(${a} | contains(${b}))`,
  keys: ([a]) => `(${a} | keys_unsorted)`,
  now: () => '(now | todate)',
  trim: ([a]) => `(${a} | gsub("^\\\\s+|\\\\s+$"; ""))`,
};

function call(ast: any, scope: JqScope): string {
  const name = ast.procedure?.type === 'variable' ? String(ast.procedure.value) : '';
  // JSONata's $sum of a path mapped over an empty list sums nothing: undefined, not 0.
  if (name === 'sum') {
    const [arg] = ast.arguments as any[];
    const a = node(arg, scope);
    const mapped =
      arg?.type === 'path' && arg.steps.length > 1 && scope.lists.has(String(arg.steps[0].value));
    return mapped ? `([${a}] | flatten | add)` : `([${a}] | flatten | add // 0)`;
  }
  const f = FUNCTIONS[name];
  if (f === undefined) throw new Unmappable(`the function $${name} has no jq form here`);
  return f((ast.arguments as any[]).map((a) => node(a, scope)));
}

/** The `{{ }}` parts of a template and the text between them. */
export function templateParts(template: string): (string | { expression: string })[] {
  const parts: (string | { expression: string })[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) break;
    const close = closing(template, open + 2);
    if (close < 0) throw new Unmappable('an unclosed {{ in a template');
    if (open > i) parts.push(template.slice(i, open));
    parts.push({ expression: template.slice(open + 2, close).trim() });
    i = close + 2;
  }
  if (i < template.length) parts.push(template.slice(i));
  return parts;
}

function closing(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      depth--;
    }
  }
  return -1;
}

/**
 * A Weft value of a node's parameters as an SW value: strings with templates become runtime
 * expressions (`${ ... }`), other values stay. @throws Unmappable
 */
export function toSwValue(value: unknown, scope: JqScope): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    return `\${ ${templateJq(value, scope)} }`;
  }
  if (Array.isArray(value)) return value.map((v) => toSwValue(v, scope));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toSwValue(v, scope)]));
  return value;
}

/** jq of a template: one part keeps its value's type; several are joined as text. */
export function templateJq(template: string, scope: JqScope): string {
  const parts = templateParts(template);
  if (parts.length === 1 && typeof parts[0] !== 'string') return toJq(parts[0]!.expression, scope);
  return parts
    .map((p) => (typeof p === 'string' ? JSON.stringify(p) : text(toJq(p.expression, scope))))
    .join(' + ');
}
