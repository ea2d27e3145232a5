/**
 * @module expr/harden
 * The static half of the sandbox: refuses an expression whose text names a prototype key, calls
 * something that is neither a builtin nor bound by the expression, or binds a name jsonata uses
 * internally; and marks the nodes whose values the runtime hooks must check (see ./sandbox.ts).
 */
import {
  M_ARRAY,
  M_CALLABLE,
  M_CREATES,
  M_ITEM,
  M_KEY,
  M_MEASURE,
  M_NAME,
  M_OBJECT,
  M_RANGE_HI,
  M_RANGE_LO,
  M_STEP,
  M_WALK,
  forEachChild,
  mark,
  nodeStart,
  type AstNode,
} from './ast.js';
import { ALLOWED_FUNCTIONS } from './builtins.js';
import { FORBIDDEN_KEYS, MAGIC_KEYS, forbidden } from './guards.js';

/**
 * Names an expression may not bind. jsonata keeps bindings in plain objects (so `__proto__`,
 * `hasOwnProperty`... would corrupt a frame), finds its hooks by name (`__evaluate_entry`) and
 * looks `$clone` up to implement transforms.
 */
const UNBINDABLE = new Set([...Object.getOwnPropertyNames(Object.prototype), 'clone']);

/** Callees that are functions by construction rather than data read from the scope. */
const CALLEE_TYPES = new Set([
  'variable',
  'lambda',
  'function',
  'partial',
  'block',
  'condition',
  'regex',
]);

/**
 * Checks the parsed `ast` of `source` and leaves runtime marks on its nodes.
 * @throws WeftError `expression_forbidden` with `details.position` (0-based offset in `source`)
 */
export function harden(ast: AstNode, source: string): void {
  const bound = new Set<string>();
  collectBindings(ast, bound, source);
  check(ast, bound, source);
}

function refuse(message: string, node: AstNode, name: string, source: string): never {
  throw forbidden(message, { position: locate(node, source), name });
}

/** The 0-based start of `node` in `source`, or of its first positioned descendant. */
function locate(node: AstNode, source: string): number {
  const start = nodeStart(node);
  if (start !== undefined) return Math.min(start, source.length);
  let first: AstNode | undefined;
  forEachChild(node, (child) => {
    first ??= child;
  });
  return first === undefined ? 0 : locate(first, source);
}

function bindName(name: unknown, node: AstNode, bound: Set<string>, source: string): void {
  if (typeof name !== 'string') return;
  if (name.startsWith('__') || UNBINDABLE.has(name)) {
    refuse(`the variable $${name} cannot be bound`, node, `$${name}`, source);
  }
  bound.add(name);
}

function collectBindings(node: AstNode, bound: Set<string>, source: string): void {
  if (node.type === 'bind' && isNode(node.lhs) && node.lhs.type === 'variable') {
    bindName(node.lhs.value, node.lhs, bound, source);
  }
  if (node.type === 'lambda') {
    for (const parameter of node.arguments ?? [])
      bindName(parameter.value, parameter, bound, source);
  }
  if (node.focus !== undefined) bindName(node.focus, node, bound, source);
  if (node.index !== undefined) bindName(node.index, node, bound, source);
  forEachChild(node, (child) => collectBindings(child, bound, source));
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(node: AstNode, bound: Set<string>, source: string): void {
  // Every node of ours carries a mark, so the hooks can tell it from jsonata's internal ASTs.
  mark(node, 0);
  switch (node.type) {
    case 'name': {
      const name = String(node.value);
      if (FORBIDDEN_KEYS.has(name))
        refuse(`the property "${name}" cannot be read`, node, name, source);
      mark(node, M_STEP | M_NAME);
      break;
    }
    case 'wildcard':
      mark(node, M_STEP);
      break;
    case 'descendant':
      mark(node, M_STEP | M_WALK);
      break;
    case 'binary':
      markOperands(node);
      break;
    case 'variable':
      checkVariable(node, bound, source);
      break;
    case 'function':
    case 'partial':
      checkCall(node, source);
      if (node.type === 'partial') mark(node, M_CREATES);
      break;
    case 'apply':
      if (isNode(node.lhs)) mark(node.lhs, M_CALLABLE);
      if (node.rhs !== undefined) mark(node.rhs, M_CALLABLE);
      break;
    case 'lambda':
      mark(node, M_CREATES);
      // A lambda's result may be a tail-call thunk the trampoline runs without a hook in between.
      if (isNode(node.body)) mark(node.body, M_CALLABLE);
      break;
    case 'transform':
    case 'regex':
      mark(node, M_CREATES);
      break;
    case 'unary':
      if (node.value === '{' && Array.isArray(node.lhs)) checkObject(node, node.lhs, source);
      if (node.value === '[') {
        mark(node, M_ARRAY);
        for (const item of node.expressions ?? []) mark(item, M_ITEM);
      }
      break;
  }
  if (node.group !== undefined) checkObject(node, node.group.lhs, source);
  forEachChild(node, (child) => check(child, bound, source));
}

/** Operands whose values size the work of their operator (see ./limits.ts). */
function markOperands(node: AstNode): void {
  if (!isNode(node.lhs) || node.rhs === undefined) return;
  if (node.value === '..') {
    mark(node.lhs, M_RANGE_LO);
    mark(node.rhs, M_RANGE_HI);
  } else if (node.value === '&' || node.value === '=' || node.value === '!=') {
    mark(node.lhs, M_MEASURE);
    mark(node.rhs, M_MEASURE);
  }
}

function checkVariable(node: AstNode, bound: Set<string>, source: string): void {
  const name = String(node.value);
  // '' is the context value and '$' the root ($$).
  if (name === '' || name === '$') return;
  if (name.startsWith('__')) refuse(`the variable $${name} is reserved`, node, `$${name}`, source);
  if (bound.has(name) || ALLOWED_FUNCTIONS.has(name)) return;
  refuse(
    name === 'eval'
      ? '$eval is not available'
      : `unknown function or variable $${name} (only JSONata builtins and variables bound in the expression exist)`,
    node,
    `$${name}`,
    source,
  );
}

function checkCall(node: AstNode, source: string): void {
  const callee = node.procedure;
  if (callee === undefined) return;
  if (!CALLEE_TYPES.has(callee.type)) {
    refuse(
      'only builtins, lambdas and variables bound in the expression can be called, not values read from data',
      callee,
      callee.type,
      source,
    );
  }
  mark(callee, M_CALLABLE);
  for (const argument of node.arguments ?? []) {
    // A `?` placeholder of a partial application is an operator node, not a value.
    if (argument.type !== 'operator') mark(argument, M_CALLABLE);
  }
  if (callee.type === 'variable' && callee.value === 'lookup') {
    for (const argument of node.arguments ?? []) {
      if (argument.type === 'string' && FORBIDDEN_KEYS.has(String(argument.value))) {
        refuse(
          `$lookup cannot read "${String(argument.value)}"`,
          argument,
          String(argument.value),
          source,
        );
      }
    }
  }
}

/** An object constructor or group-by: literal keys are checked now, computed ones when computed. */
function checkObject(node: AstNode, pairs: AstNode[][], source: string): void {
  mark(node, M_OBJECT);
  for (const [key] of pairs) {
    if (key === undefined) continue;
    if (key.type === 'string') {
      const name = String(key.value);
      if (FORBIDDEN_KEYS.has(name) || MAGIC_KEYS.has(name)) {
        refuse(`an object key cannot be "${name}"`, key, name, source);
      }
    } else {
      mark(key, M_KEY);
    }
  }
}
