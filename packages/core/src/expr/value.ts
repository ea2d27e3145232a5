/**
 * @module expr/value
 * JSON values (node parameters, workflow outputs) whose strings may be templates. Static
 * subtrees are returned by reference, so rendering costs only what actually varies.
 */
import { boundsOf } from './expression.js';
import { withBudget } from './sandbox.js';
import { compileTemplate, hasTemplate } from './template.js';
import type { CompiledValue, EvalOptions, ExpressionOptions } from './types.js';

type Scope = Readonly<Record<string, unknown>>;

/**
 * Walks any JSON value; every string holding `{{ }}` becomes a template (object keys are never
 * templates). `evaluate()` returns a rendered copy in which object keys whose value renders to
 * `undefined` are left out; static parts are shared. The whole value shares one time budget.
 * @throws WeftError `expression_syntax` / `expression_forbidden` from any template
 */
export function compileValue(value: unknown, options?: ExpressionOptions): CompiledValue {
  const { timeoutMs } = boundsOf(options);
  const compiled = walk(value, options);
  if (compiled.isStatic) return compiled;
  return Object.freeze({
    isStatic: false,
    roots: compiled.roots,
    readsWholeScope: compiled.readsWholeScope ?? false,
    evaluate: (scope: Scope, evalOptions?: EvalOptions) =>
      withBudget(timeoutMs, () => compiled.evaluate(scope, evalOptions)),
  });
}

function staticValue(value: unknown): CompiledValue {
  return Object.freeze({
    isStatic: true,
    roots: Object.freeze([]),
    readsWholeScope: false,
    evaluate: () => value,
  });
}

function merged(parts: readonly CompiledValue[]): Pick<CompiledValue, 'roots' | 'readsWholeScope'> {
  return {
    roots: Object.freeze([...new Set(parts.flatMap((p) => p.roots))]),
    readsWholeScope: parts.some((p) => p.readsWholeScope === true),
  };
}

function walk(value: unknown, options: ExpressionOptions | undefined): CompiledValue {
  if (typeof value === 'string') {
    return hasTemplate(value) ? compileTemplate(value, options) : staticValue(value);
  }
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => walk(item, options));
    if (items.every((item) => item.isStatic)) return staticValue(value);
    return {
      isStatic: false,
      ...merged(items),
      evaluate: (scope: Scope, evalOptions?: EvalOptions) =>
        items.map((item) => item.evaluate(scope, evalOptions)),
    };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).map(
      (key) => [key, walk((value as Record<string, unknown>)[key], options)] as const,
    );
    if (entries.every(([, item]) => item.isStatic)) return staticValue(value);
    return {
      isStatic: false,
      ...merged(entries.map(([, item]) => item)),
      evaluate: (scope: Scope, evalOptions?: EvalOptions) => {
        const out: [string, unknown][] = [];
        for (const [key, item] of entries) {
          const rendered = item.evaluate(scope, evalOptions);
          if (rendered !== undefined) out.push([key, rendered]);
        }
        // fromEntries defines own properties, so a "__proto__" key stays a key.
        return Object.fromEntries(out);
      },
    };
  }
  return staticValue(value);
}
