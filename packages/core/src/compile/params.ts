/**
 * @module compile/params
 * Compiles a node's `with` parameters: strings with `{{ }}` become templates, the paths a node type
 * declares as expressions are evaluated as bare expressions, and raw paths stay verbatim.
 */
import {
  compileExpression,
  compileValue,
  type CompiledValue,
  type EvalOptions,
} from '../expr/index.js';

type Segment = string | number;

/** Matches a parameter path against a pattern such as `cases.*.when`. */
function matches(pattern: readonly string[], path: readonly Segment[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((p, i) => p === '*' || p === String(path[i]));
}

/** Unwraps `{{ expr }}` so that an expression parameter may also be written as a template. */
export function bareExpression(source: string): string {
  const m = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(source);
  return m?.[1] !== undefined && !m[1].includes('{{') ? m[1] : source;
}

const staticValue = (value: unknown): CompiledValue => ({
  isStatic: true,
  roots: [],
  evaluate: () => value,
});

export function compileParams(
  params: Record<string, unknown> | undefined,
  expressionPaths: readonly string[] = [],
  rawPaths: readonly string[] = [],
  skipPaths: readonly string[] = [],
): CompiledValue {
  const exprs = expressionPaths.map((p) => p.split('.'));
  const raws = rawPaths.map((p) => p.split('.'));
  const skips = skipPaths.map((p) => p.split('.'));

  const walk = (value: unknown, path: Segment[]): CompiledValue => {
    if (skips.some((p) => matches(p, path))) return staticValue(undefined);
    if (raws.some((p) => matches(p, path))) return staticValue(value);
    if (typeof value === 'string' && exprs.some((p) => matches(p, path))) {
      const expr = compileExpression(bareExpression(value));
      // JSONata's "no result" (undefined) is not a JSON value: an expression parameter that yields
      // nothing is null, so the key stays present and the node sees a value (`transform` outputs
      // null, `if` takes false) instead of failing as if the parameter had not been written.
      return {
        isStatic: false,
        roots: expr.roots,
        evaluate: (s, o) => expr.evaluate(s, o) ?? null,
      };
    }
    if (Array.isArray(value)) {
      const parts = value.map((v, i) => walk(v, [...path, i]));
      if (parts.every((p) => p.isStatic)) return staticValue(value);
      return {
        isStatic: false,
        roots: [...new Set(parts.flatMap((p) => p.roots))],
        evaluate: (scope, options?: EvalOptions) => parts.map((p) => p.evaluate(scope, options)),
      };
    }
    if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])] as const);
      if (entries.every(([, p]) => p.isStatic)) {
        return staticValue(skips.length > 0 ? stripSkipped(value, path, skips) : value);
      }
      return {
        isStatic: false,
        roots: [...new Set(entries.flatMap(([, p]) => p.roots))],
        evaluate: (scope, options?: EvalOptions) => {
          const out: Record<string, unknown> = {};
          for (const [k, p] of entries) {
            const v = p.evaluate(scope, options);
            if (v !== undefined) out[k] = v;
          }
          return out;
        },
      };
    }
    return compileValue(value);
  };

  return walk(params ?? {}, []);
}

function stripSkipped(value: object, path: Segment[], skips: string[][]): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!skips.some((p) => matches(p, [...path, k]))) out[k] = v;
  }
  return out;
}
