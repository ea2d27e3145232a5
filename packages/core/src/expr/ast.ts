/**
 * @module expr/ast
 * The parts of jsonata 1.8's AST that we read, and the marks the hardening pass leaves on its
 * nodes for the runtime hooks (a symbol property costs one lookup per node, where re-deriving a
 * node's role at run time would cost a walk).
 */

/** A node of jsonata's parsed expression. Only the fields we read are typed. */
export interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  steps?: AstNode[];
  stages?: AstNode[];
  predicate?: AstNode[];
  expr?: AstNode;
  group?: { lhs: AstNode[][]; position?: number };
  lhs?: AstNode | AstNode[][];
  rhs?: AstNode;
  expression?: AstNode;
  expressions?: AstNode[];
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  procedure?: AstNode;
  arguments?: AstNode[];
  body?: AstNode;
  terms?: { expression: AstNode }[];
  pattern?: AstNode;
  update?: AstNode;
  delete?: AstNode;
  focus?: string;
  index?: string;
  keepArray?: boolean;
  keepSingletonArray?: boolean;
  thunk?: boolean;
  [MARK]?: number;
}

/** Where a node's runtime checks are recorded. */
export const MARK: unique symbol = Symbol('weft.expr.mark');

/** A path step reading properties (name, `*`, `**`): its input must not be a function. */
export const M_STEP = 1;
/** A name step: its result must not be a JavaScript function. */
export const M_NAME = 2;
/** Its value may be called (callee, argument, `~>` operand, lambda body). */
export const M_CALLABLE = 4;
/** Creates a function (lambda, partial application, transform, regex): adopted as genuine. */
export const M_CREATES = 8;
/** A computed key of an object constructor or group-by. */
export const M_KEY = 16;
/** Builds an object (object constructor, group-by): its keys and values are checked. */
export const M_OBJECT = 32;
/** The start of a range (`lo..hi`): kept until the end is known, to size the range first. */
export const M_RANGE_LO = 64;
/** The end of a range: the range's length is checked before jsonata allocates it. */
export const M_RANGE_HI = 128;
/** An operand of `&` or of `=`/`!=`: serialised or deep-compared, so it is measured first. */
export const M_MEASURE = 256;
/** A descendant step (`**`): walks its whole input, so the input is measured first. */
export const M_WALK = 512;
/** An array constructor (`[a, b]`): counts the items its arrays flatten into it. */
export const M_ARRAY = 1024;
/** An item of an array constructor: its items are counted before jsonata concatenates them. */
export const M_ITEM = 2048;

/** Adds marks to a node. */
export function mark(node: AstNode, bits: number): void {
  node[MARK] = (node[MARK] ?? 0) | bits;
}

/**
 * The 0-based offset where a node (or the token an error names) starts. jsonata records the
 * offset just past a token, so the token's length is subtracted.
 */
export function startOf(
  position: number | undefined,
  token: unknown,
  sourceLength: number,
): number {
  if (typeof position !== 'number' || !Number.isFinite(position)) return 0;
  const length = typeof token === 'string' && token !== '(end)' ? token.length : 0;
  return Math.min(Math.max(0, position - length), sourceLength);
}

/** The 0-based start of a node that has a position of its own (a path has none; its steps do). */
export function nodeStart(node: AstNode): number | undefined {
  if (typeof node.position !== 'number') return undefined;
  const value = typeof node.value === 'string' ? node.value : '';
  const token =
    node.type === 'name'
      ? value
      : node.type === 'variable'
        ? `$${value}`
        : node.type === 'string'
          ? `'${value}'`
          : '';
  return startOf(node.position, token, Number.MAX_SAFE_INTEGER);
}

/** Calls `visit` on every node below `node` (not on `node` itself), whatever field holds it. */
export function forEachChild(node: AstNode, visit: (child: AstNode) => void): void {
  for (const key of Object.keys(node)) {
    // A lambda's parsed signature holds functions, and a regex literal's value is a RegExp.
    if (key === 'signature' || key === 'value') continue;
    walkValue((node as unknown as Record<string, unknown>)[key], visit);
  }
}

function walkValue(value: unknown, visit: (child: AstNode) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkValue(item, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (typeof (value as { type?: unknown }).type === 'string') {
    visit(value as AstNode);
    return;
  }
  // Wrappers without a type: group-by (`{ lhs: pairs }`), sort terms (`{ expression }`), slots.
  for (const inner of Object.values(value)) walkValue(inner, visit);
}
