/**
 * @module dsl/expressions
 * Static checks of the expressions and templates in a definition: syntax (with the offset of the
 * error) and the root names each one reads, for the reference checks. Compilation results are
 * cached per source text: generated definitions repeat the same strings many times.
 */
import { WeftError } from '../errors.js';
import { compileExpression, compileTemplate } from '../expr/index.js';
import { simpleRoots } from '../expr/simple.js';
import type { Segment } from './findings.js';

export type CheckResult =
  { ok: true; roots: readonly string[] } | { ok: false; message: string; offset?: number };

/** `{{ expr }}` standing alone, as an expression slot also accepts (same rule as the compiler). */
const WRAPPED = /^(\s*\{\{)([\s\S]*)\}\}\s*$/;

/**
 * A dotted path of plain names (`classify.text`): most expressions in a workflow. Such a text is
 * valid JSONata reading exactly its first name, so its check needs no parse — which matters, as
 * a JSONata parse costs tens of microseconds and a large definition holds thousands of them.
 * Names JSONata or the sandbox treat specially fall through to the full compile.
 */
const PLAIN_PATH = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*\s*$/;
const SPECIAL_NAMES =
  /(^|\.)\s*(and|or|in|true|false|null|function|constructor|prototype|__\w*)\s*(?=\.|$)/;

function plainRoot(source: string): string | undefined {
  const m = PLAIN_PATH.exec(source);
  return m === null || SPECIAL_NAMES.test(source) ? undefined : m[1];
}

/** The roots of an expression that is a plain path or in the simple grammar, or undefined. */
function knownRoots(source: string): string[] | undefined {
  const plain = plainRoot(source);
  return plain !== undefined ? [plain] : simpleRoots(source);
}

/**
 * The roots of a template whose every part is a plain path or in the simple grammar, or undefined
 * (then compile it). Parts end at the first `}}`: where that is inside a string, the part is cut
 * short, which leaves it outside both (an unclosed string), so the template is compiled.
 */
function knownTemplateRoots(text: string): string[] | undefined {
  const roots: string[] = [];
  let from = 0;
  for (let open = text.indexOf('{{'); open !== -1; open = text.indexOf('{{', from)) {
    const close = text.indexOf('}}', open + 2);
    if (close === -1) return undefined;
    const found = knownRoots(text.slice(open + 2, close));
    if (found === undefined) return undefined;
    for (const root of found) if (!roots.includes(root)) roots.push(root);
    from = close + 2;
  }
  return roots;
}

export class ExpressionChecker {
  readonly #expressions = new Map<string, CheckResult>();
  readonly #templates = new Map<string, CheckResult>();

  /** A bare expression, or one wrapped as a single `{{ }}`. */
  expression(source: string): CheckResult {
    let r = this.#expressions.get(source);
    if (r === undefined) {
      const m = WRAPPED.exec(source);
      const known = knownRoots(m?.[2] ?? source);
      if (known !== undefined) {
        r = { ok: true, roots: known };
        this.#expressions.set(source, r);
        return r;
      }
      const inner = m?.[2];
      if (m !== null && inner !== undefined && !inner.includes('{{')) {
        r = check('expression', () => compileExpression(inner).roots, (m[1] ?? '').length);
      } else {
        r = check('expression', () => compileExpression(source).roots, 0);
      }
      this.#expressions.set(source, r);
    }
    return r;
  }

  /** A string with `{{ }}` parts. */
  template(text: string): CheckResult {
    let r = this.#templates.get(text);
    if (r === undefined) {
      const known = knownTemplateRoots(text);
      r =
        known !== undefined
          ? { ok: true, roots: known }
          : check('template', () => compileTemplate(text).roots, 0);
      this.#templates.set(text, r);
    }
    return r;
  }
}

function check(
  kind: 'expression' | 'template',
  compile: () => readonly string[],
  shift: number,
): CheckResult {
  try {
    const roots = compile().filter((r) => !r.startsWith('$'));
    return { ok: true, roots };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const details: unknown = WeftError.is(e) ? e.details : undefined;
    const position =
      typeof details === 'object' && details !== null && 'position' in details
        ? details.position
        : undefined;
    const r: CheckResult = { ok: false, message: `invalid ${kind}: ${message}` };
    if (typeof position === 'number' && Number.isInteger(position) && position >= 0)
      r.offset = position + shift;
    return r;
  }
}

/** A parameter path pattern such as `cases.*.when`, split once. */
export type PathPattern = readonly string[];

export const toPatterns = (paths: readonly string[] | undefined): PathPattern[] =>
  (paths ?? []).map((p) => p.split('.'));

/** Exact-length match, `*` matching any key or index (the compiler's rule). */
export function matchesPattern(pattern: PathPattern, path: readonly Segment[]): boolean {
  if (pattern.length !== path.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p !== '*' && p !== String(path[i])) return false;
  }
  return true;
}

export interface StringSite {
  /** Path relative to the walked value. */
  rel: Segment[];
  text: string;
  mode: 'expression' | 'template';
}

/**
 * Calls `visit` for every string of `value` that is an expression (at an expression path) or holds
 * `{{` (a template). Raw paths are skipped whole. Depth is bounded by the definition's depth limit,
 * checked before this runs, so recursion is safe.
 */
export function forEachDynamicString(
  value: unknown,
  expressions: readonly PathPattern[],
  raw: readonly PathPattern[],
  visit: (site: StringSite) => void,
  rel: Segment[] = [],
): void {
  if (rel.length > 0 && raw.some((p) => matchesPattern(p, rel))) return;
  if (typeof value === 'string') {
    if (expressions.some((p) => matchesPattern(p, rel)))
      visit({ rel, text: value, mode: 'expression' });
    else if (value.includes('{{')) visit({ rel, text: value, mode: 'template' });
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      forEachDynamicString(value[i], expressions, raw, visit, [...rel, i]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value))
      forEachDynamicString(v, expressions, raw, visit, [...rel, k]);
  }
}

/** Offset of the first read of `name` as a root in `text`, for pointing at a bad reference. */
export function rootOffset(text: string, name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(?<![\\w$.\`])${escaped}(?![\\w])`).exec(text);
  return m?.index;
}
