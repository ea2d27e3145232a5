/**
 * @module expr/template
 * Strings with `{{ expression }}` parts. A part ends at the first `}}` outside the expression's
 * strings, comments, regexes and braces, so `{{ {'a': {'b': 1}} }}` is one part.
 */
import { WeftError } from '../errors.js';
import { boundsOf, compileExpression } from './expression.js';
import { shifted } from './failures.js';
import { withBudget } from './sandbox.js';
import { toPlainJson } from './scope.js';
import type {
  CompiledExpression,
  CompiledTemplate,
  EvalOptions,
  ExpressionOptions,
} from './types.js';

/** True when the text contains a `{{ }}` template part (an unclosed `{{` counts: it is an error). */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

interface ExpressionPart {
  expression: CompiledExpression;
  /** Offset of the expression's first character in the template. */
  offset: number;
}

type Part = string | ExpressionPart;

/**
 * Compiles a template. Each part is compiled (and cached) as an expression; the whole template
 * shares one time budget.
 * @throws WeftError `expression_syntax` for an unclosed `{{` or a part's syntax error, with
 *   `details.position` counted in the whole template
 */
export function compileTemplate(text: string, options?: ExpressionOptions): CompiledTemplate {
  const { timeoutMs } = boundsOf(options);
  const parts = split(text).map((part): Part => {
    if (typeof part === 'string') return part;
    try {
      return { expression: compileExpression(part.source, options), offset: part.offset };
    } catch (error) {
      throw WeftError.is(error) ? shifted(error, part.offset) : error;
    }
  });
  const expressions = parts.filter((p): p is ExpressionPart => typeof p !== 'string');
  const roots = Object.freeze([...new Set(expressions.flatMap((p) => p.expression.roots))]);
  const readsWholeScope = expressions.some((p) => p.expression.readsWholeScope);
  const base = { source: text, roots, readsWholeScope };

  if (expressions.length === 0) {
    return Object.freeze({ ...base, isStatic: true, evaluate: () => text });
  }
  const only = expressions[0];
  if (
    only !== undefined &&
    expressions.length === 1 &&
    parts.every((p) => typeof p !== 'string' || p.trim() === '')
  ) {
    // Exactly one `{{ }}`: the value keeps its type.
    return Object.freeze({
      ...base,
      isStatic: false,
      evaluate: (scope: Readonly<Record<string, unknown>>, evalOptions?: EvalOptions) =>
        evaluatePart(only, scope, evalOptions),
    });
  }
  return Object.freeze({
    ...base,
    isStatic: false,
    evaluate: (scope: Readonly<Record<string, unknown>>, evalOptions?: EvalOptions) =>
      withBudget(timeoutMs, () => {
        let out = '';
        for (const part of parts) {
          out += typeof part === 'string' ? part : render(evaluatePart(part, scope, evalOptions));
        }
        return out;
      }),
  });
}

function evaluatePart(
  part: ExpressionPart,
  scope: Readonly<Record<string, unknown>>,
  options?: EvalOptions,
): unknown {
  try {
    return part.expression.evaluate(scope, options);
  } catch (error) {
    throw WeftError.is(error) ? shifted(error, part.offset) : error;
  }
}

/** A part's value as text. `null` renders as '' like `undefined`: both mean "nothing" in text. */
function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(toPlainJson(value));
}

interface RawPart {
  source: string;
  offset: number;
}

/** Splits a template into literal text and expression sources. */
export function split(text: string): (string | RawPart)[] {
  const parts: (string | RawPart)[] = [];
  let textStart = 0;
  for (let open = text.indexOf('{{'); open >= 0; open = text.indexOf('{{', textStart)) {
    const start = open + 2;
    const close = findClose(text, start);
    if (close < 0) {
      throw new WeftError('expression_syntax', 'template part "{{" is never closed by "}}"', {
        details: { position: open, token: '{{' },
      });
    }
    if (open > textStart) parts.push(text.slice(textStart, open));
    parts.push({ source: text.slice(start, close), offset: start });
    textStart = close + 2;
  }
  if (textStart < text.length) parts.push(text.slice(textStart));
  return parts;
}

/** After these, a `/` starts a regex rather than a division (jsonata's own rule, by token). */
const OPERAND_EXPECTED = new Set([...'([{,:;?=!<>+-*/%&|~^']);

/** Index of the `}}` closing the part that starts at `from`, or -1. */
function findClose(text: string, from: number): number {
  let depth = 0;
  let previous = '';
  for (let i = from; i < text.length; i++) {
    const c = text.charAt(i);
    let skipTo = -2;
    if (c === '"' || c === "'") skipTo = endOfString(text, i, c);
    else if (c === '`') skipTo = text.indexOf('`', i + 1);
    else if (c === '/' && text.charAt(i + 1) === '*') {
      const end = text.indexOf('*/', i + 2);
      skipTo = end < 0 ? -1 : end + 1;
    } else if (c === '/' && (previous === '' || OPERAND_EXPECTED.has(previous))) {
      skipTo = endOfRegex(text, i);
    }
    if (skipTo === -1) return -1;
    if (skipTo >= 0) {
      i = skipTo;
      previous = 'x';
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth > 0) depth--;
      else if (text.charAt(i + 1) === '}') return i;
    }
    if (c.trim() !== '') previous = c;
  }
  return -1;
}

function endOfString(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\') i++;
    else if (c === quote) return i;
  }
  return -1;
}

/** Mirrors jsonata's regex scanner: brackets nest, an unescaped `/` outside them ends it. */
function endOfRegex(text: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charAt(i);
    const escaped = text.charAt(i - 1) === '\\';
    if (c === '/' && !escaped && depth === 0) {
      let end = i;
      while (text.charAt(end + 1) === 'i' || text.charAt(end + 1) === 'm') end++;
      return end;
    }
    if (!escaped && (c === '(' || c === '[' || c === '{')) depth++;
    if (!escaped && (c === ')' || c === ']' || c === '}')) depth--;
  }
  return -1;
}
