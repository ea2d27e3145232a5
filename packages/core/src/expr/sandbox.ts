/**
 * @module expr/sandbox
 * Runs a compiled jsonata expression under bounds and runtime checks. jsonata 1.8 calls the
 * `__evaluate_entry` / `__evaluate_exit` bindings around every node it evaluates (the pattern of
 * its "timeboxExpression" example); ours count depth, watch the clock and enforce the marks the
 * static pass left on the AST. Evaluation is synchronous and never re-entered, so the state of
 * the running evaluation lives in this module rather than in per-call closures (which would cost
 * an allocation and two bindings per evaluation).
 */
import jsonata from 'jsonata';
import { WeftError } from '../errors.js';
import {
  MARK,
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
  nodeStart,
  type AstNode,
} from './ast.js';
import { clock, installReplacements } from './builtins.js';
import { toRuntimeError } from './failures.js';
import {
  FORBIDDEN_KEYS,
  MAGIC_KEYS,
  adopt,
  assertCallable,
  forbidden,
  isFunctionLike,
  isGenuine,
} from './guards.js';
import { COST, UNITS_PER_MS, checkCount, checkLength, meter } from './limits.js';
import { checkSerialisable } from './measure.js';
import { LinearRegExp } from './regex.js';

/** jsonata reads its regex engine from this global property, which every `jsonata()` call resets. */
const engineHolder = jsonata as unknown as { RegexEngine: unknown };

/** The bounds one evaluation runs under. */
export interface Bounds {
  timeoutMs: number;
  maxDepth: number;
}

/** How many node entries pass between two reads of the clock. */
const CLOCK_EVERY = 16;

const state = {
  depth: 0,
  maxDepth: 0,
  deadline: 0,
  ticks: 0,
  timeoutMs: 0,
  /** Starts of the ranges being evaluated, innermost last (see {@link M_RANGE_LO}). */
  rangeStarts: [] as unknown[],
  /** Items gathered so far by the array constructors being evaluated, innermost last. */
  arrayCounts: [] as number[],
};

/** The deadline of the enclosing compound evaluation (a template, a value), if any. */
let outerDeadline = Number.POSITIVE_INFINITY;

function onEntry(node: AstNode, input: unknown): void {
  if (++state.depth > state.maxDepth) {
    throw new WeftError(
      'expression_depth',
      `expression nests deeper than ${state.maxDepth} levels (unbounded recursion?)`,
      { details: { max_depth: state.maxDepth } },
    );
  }
  if (++state.ticks % CLOCK_EVERY === 0 && performance.now() > state.deadline) throw timeout();
  const marks = node[MARK];
  if (marks === undefined || marks === 0) return;
  if ((marks & M_ARRAY) !== 0) state.arrayCounts.push(0);
  if ((marks & M_STEP) !== 0 && isFunctionLike(input)) {
    throw forbidden('a function has no properties to read', { position: nodeStart(node) });
  }
  // `**` visits every value below its input, counting a shared value each time it is met.
  if ((marks & M_WALK) !== 0) checkSerialisable(input, 'the input of **', COST.item);
}

/** Sizes every value a node produces: what is too big is refused before anything reuses it. */
function checkSize(result: unknown): void {
  if (typeof result === 'string') checkLength(result.length, 'a string');
  else if (Array.isArray(result)) checkCount(result.length, 'an array');
}

function onExit(node: AstNode, _input: unknown, _environment: unknown, result: unknown): void {
  state.depth--;
  checkSize(result);
  const marks = node[MARK];
  if (marks === undefined) {
    // A node of jsonata's own AST (function composition with `~>`) creating a function.
    if (node.type === 'lambda') adopt(result);
    return;
  }
  if (marks === 0) return;
  if ((marks & M_CREATES) !== 0) adopt(result);
  if ((marks & M_NAME) !== 0 && typeof result === 'function' && !isGenuine(result)) {
    throw forbidden(`"${String(node.value)}" is not data`, { position: nodeStart(node) });
  }
  if ((marks & M_CALLABLE) !== 0) assertCallable(result);
  if ((marks & (M_RANGE_LO | M_RANGE_HI | M_MEASURE)) !== 0) checkOperand(marks, result);
  if ((marks & M_ITEM) !== 0) countItems(node, result);
  if ((marks & M_ARRAY) !== 0) state.arrayCounts.pop();
  if ((marks & M_KEY) !== 0 && typeof result === 'string') checkKey(result, node);
  if ((marks & M_OBJECT) !== 0 && result !== null && typeof result === 'object') {
    checkBuiltObject(result as Record<string, unknown>, node);
  }
}

/** Sizes the work an operator will do with this operand before it does it. */
function checkOperand(marks: number, result: unknown): void {
  if ((marks & M_RANGE_LO) !== 0) state.rangeStarts.push(result);
  if ((marks & M_RANGE_HI) !== 0) {
    const start = state.rangeStarts.pop();
    if (typeof start === 'number' && typeof result === 'number') {
      checkCount(result - start + 1, `the range [${start}..${result}]`);
    }
  }
  if ((marks & M_MEASURE) !== 0 && typeof result === 'object' && result !== null) {
    checkSerialisable(result, 'an operand of &, = or !=');
  }
}

/** jsonata concatenates an item's array into its constructor's: counted first. */
function countItems(node: AstNode, result: unknown): void {
  const last = state.arrayCounts.length - 1;
  const nested = node.type === 'unary' && node.value === '[';
  const count =
    (state.arrayCounts[last] ?? 0) + (Array.isArray(result) && !nested ? result.length : 1);
  state.arrayCounts[last] = count;
  checkCount(count, 'an array constructor');
}

function checkKey(key: string, node: AstNode): void {
  if (FORBIDDEN_KEYS.has(key) || MAGIC_KEYS.has(key)) {
    throw forbidden(`an object key cannot be "${key}"`, { position: nodeStart(node), key });
  }
}

function checkBuiltObject(object: Record<string, unknown>, node: AstNode): void {
  for (const key of Object.keys(object)) {
    if (MAGIC_KEYS.has(key)) checkKey(key, node);
    const value = object[key];
    // JSON.stringify (behind `$string`, `&`) would call a function stored as `toJSON`.
    if (typeof value === 'function' && !isGenuine(value)) {
      throw forbidden('an object cannot hold a JavaScript function', { position: nodeStart(node) });
    }
  }
}

function timeout(): WeftError {
  return new WeftError(
    'expression_timeout',
    `expression evaluation exceeded ${state.timeoutMs} ms`,
    { details: { timeout_ms: state.timeoutMs } },
  );
}

/** Binds the hooks and safe builtins into a freshly compiled jsonata expression. */
export function prepare(expression: jsonata.Expression): void {
  installReplacements(expression);
  expression.assign('__evaluate_entry', onEntry);
  expression.assign('__evaluate_exit', onExit);
}

/**
 * Evaluates `expression` against `root` under `bounds`, with `$now()` reading `now`.
 * @throws WeftError: jsonata's own failures become `expression_error`.
 */
export function run(
  expression: jsonata.Expression,
  root: object,
  bounds: Bounds,
  now: number | undefined,
): unknown {
  // Saved and restored rather than assumed idle: cheap insurance against re-entry.
  const { depth, maxDepth, deadline, ticks, timeoutMs, rangeStarts, arrayCounts } = state;
  const { used, budget, deadline: meterDeadline } = meter;
  const savedNow = clock.now;
  state.depth = 0;
  state.ticks = 0;
  state.maxDepth = bounds.maxDepth;
  state.timeoutMs = bounds.timeoutMs;
  state.deadline = Math.min(performance.now() + bounds.timeoutMs, outerDeadline);
  state.rangeStarts = [];
  state.arrayCounts = [];
  meter.used = 0;
  meter.budget = bounds.timeoutMs * UNITS_PER_MS;
  meter.deadline = state.deadline;
  clock.now = now ?? Date.now();
  engineHolder.RegexEngine = LinearRegExp;
  try {
    const result: unknown = expression.evaluate(root);
    // What leaves is serialised (templates, outputs): its whole text must be of a sane size.
    if (typeof result === 'object' && result !== null) checkSerialisable(result, 'the result');
    return result;
  } catch (error) {
    throw toRuntimeError(error);
  } finally {
    state.depth = depth;
    state.maxDepth = maxDepth;
    state.deadline = deadline;
    state.ticks = ticks;
    state.timeoutMs = timeoutMs;
    state.rangeStarts = rangeStarts;
    state.arrayCounts = arrayCounts;
    meter.used = used;
    meter.budget = budget;
    meter.deadline = meterDeadline;
    clock.now = savedNow;
    // jsonata keeps the input bound in the expression's environment; let the scope go.
    expression.assign('$', undefined);
  }
}

/**
 * Runs `fn` (evaluating several expressions) with one shared time budget, so that a template
 * or value of many parts is bounded as a whole and not part by part.
 */
export function withBudget<T>(timeoutMs: number, fn: () => T): T {
  const saved = outerDeadline;
  outerDeadline = Math.min(saved, performance.now() + timeoutMs);
  try {
    return fn();
  } finally {
    outerDeadline = saved;
  }
}
