/**
 * @module expr/expression
 * Compiling an expression: parse, check, analyse once; evaluate many times. Compiled
 * expressions are immutable and shared through a bounded cache keyed by their text.
 */
import jsonata from 'jsonata';
import { WeftError } from '../errors.js';
import type { AstNode } from './ast.js';
import { syntaxError, toRuntimeError } from './failures.js';
import { MISS, compileDirect, fastPath } from './fastpath.js';
import { FORBIDDEN_KEYS, MAGIC_KEYS } from './guards.js';
import { harden } from './harden.js';
import { checkRegexes } from './regex.js';
import { collectRoots } from './roots.js';
import { prepare, run, type Bounds } from './sandbox.js';
import { scopeRoot } from './scope.js';
import { simpleRoots } from './simple.js';
import type { CompiledExpression, EvalOptions, ExpressionOptions } from './types.js';

export const DEFAULT_TIMEOUT_MS = 100;
export const DEFAULT_MAX_DEPTH = 200;

/** Enough for every expression of a large deployment; evicts the least recently used. */
const CACHE_LIMIT = 5000;
const cache = new Map<string, CompiledExpression>();

const EMPTY_SCOPE: object = Object.freeze(Object.create(null) as object);

/** The bounds `options` ask for, defaults applied. */
export function boundsOf(options: ExpressionOptions | undefined): Bounds {
  const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!(timeoutMs > 0) || !Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new WeftError('invalid_argument', 'timeoutMs must be > 0 and maxDepth an integer >= 1', {
      level: 'unexpected',
    });
  }
  return { timeoutMs, maxDepth };
}

/**
 * Compiles a JSONata expression into a sandboxed, bounded evaluator.
 * @param source the expression text, e.g. `classify.label = 'spam' and inputs.strict`
 * @throws WeftError `expression_syntax` (details: `position`, 0-based, and `token`) or
 *   `expression_forbidden` (details: `position`, `name`)
 */
export function compileExpression(source: string, options?: ExpressionOptions): CompiledExpression {
  const bounds = boundsOf(options);
  const plain = plainReference(source, bounds);
  if (plain !== undefined) return plain;
  const key = `${bounds.timeoutMs}:${bounds.maxDepth}:${source}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const compiled = simpleExpression(source, bounds) ?? build(source, bounds);
  cache.set(key, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/** Empties the compile cache (tests, memory pressure). */
export function clearExpressionCache(): void {
  cache.clear();
}

const PLAIN_REFERENCE = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$/;
const JSONATA_WORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

/**
 * Most expressions of a large definition are plain references (`fetch.body.id`): they are read
 * directly, and jsonata parses one only if its data ever needs jsonata's semantics (arrays). This
 * keeps compiling a 10,000-node definition from parsing 10,000 expressions, and needs no cache.
 */
function plainReference(source: string, bounds: Bounds): CompiledExpression | undefined {
  const match = PLAIN_REFERENCE.exec(source);
  if (match?.[1] === undefined) return undefined;
  const names = match[1].split('.');
  if (names.some((n) => JSONATA_WORDS.has(n) || FORBIDDEN_KEYS.has(n) || MAGIC_KEYS.has(n))) {
    return undefined;
  }
  const direct = fastPath(names);
  let full: CompiledExpression | undefined;
  return Object.freeze({
    source,
    roots: Object.freeze([names[0] as string]),
    readsWholeScope: false,
    evaluate(scope: Readonly<Record<string, unknown>>, options?: EvalOptions): unknown {
      const document: object = typeof scope === 'object' && scope !== null ? scope : EMPTY_SCOPE;
      const value = direct(document);
      if (value !== MISS) return value;
      full ??= build(source, bounds);
      return full.evaluate(scope, options);
    },
  });
}

/**
 * An expression of the simple grammar (see ./simple.ts) is known valid, with known roots, without
 * jsonata: jsonata parses it on its first evaluation, which a definition that is only validated or
 * compiled never reaches.
 */
function simpleExpression(source: string, bounds: Bounds): CompiledExpression | undefined {
  const roots = simpleRoots(source);
  if (roots === undefined) return undefined;
  let full: CompiledExpression | undefined;
  return Object.freeze({
    source,
    roots: Object.freeze(roots),
    readsWholeScope: false,
    evaluate(scope: Readonly<Record<string, unknown>>, options?: EvalOptions): unknown {
      full ??= build(source, bounds);
      return full.evaluate(scope, options);
    },
  });
}

function build(source: string, bounds: Bounds): CompiledExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (error) {
    throw syntaxError(error, source);
  }
  const ast = expression.ast() as AstNode;
  let analysis: ReturnType<typeof collectRoots>;
  let direct: ReturnType<typeof compileDirect>;
  try {
    harden(ast, source);
    checkRegexes(ast);
    analysis = collectRoots(ast);
    direct = compileDirect(ast);
  } catch (error) {
    // The passes recurse over the AST: a pathologically nested one exhausts the stack.
    throw toRuntimeError(error);
  }
  const { roots, readsWholeScope } = analysis;
  prepare(expression);
  const frozenRoots = Object.freeze(roots);

  return Object.freeze({
    source,
    roots: frozenRoots,
    readsWholeScope,
    evaluate(scope: Readonly<Record<string, unknown>>, options?: EvalOptions): unknown {
      const document: object = typeof scope === 'object' && scope !== null ? scope : EMPTY_SCOPE;
      if (direct !== undefined) {
        const value = direct(document);
        if (value !== MISS) return value;
      }
      return run(
        expression,
        scopeRoot(document, frozenRoots, readsWholeScope),
        bounds,
        options?.now,
      );
    },
  });
}
