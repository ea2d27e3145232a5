/**
 * @module importers/expr
 * Building Weft expressions and templates (JSONata) from the pieces other formats refer to.
 */

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `base.a.b`, quoting steps that are not plain names (`` base.`x-y` ``) and indexing numbers. */
export function pathExpr(base: string, steps: readonly (string | number)[]): string {
  let out = base;
  for (const s of steps) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else if (PLAIN.test(s)) out += `.${s}`;
    else out += `.\`${s.replace(/`/g, '')}\``;
  }
  return out;
}

/** A JSON value as a JSONata literal. */
export function literal(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** A template that is exactly one expression: keeps the value's type. */
export function whole(expression: string): string {
  return `{{ ${expression} }}`;
}

/**
 * Text to put in a template as it is: braces that would open a template part (`{{`, and a `{`
 * at the end, which a part after it would join) are written as expressions giving them.
 */
export function plainText(text: string): string {
  return text.replace(/\{\{+|\{$/g, (braces) => `{{ ${JSON.stringify(braces)} }}`);
}

/**
 * Rewrites a template of another format: the text between its markers (`{{name}}`,
 * `{{#node.var#}}`) goes through `resolve`, which answers a Weft expression or undefined when the
 * reference does not resolve (then the part is dropped and `onMissing` told); other text is kept.
 */
export function rewriteTemplate(
  text: string,
  marker: RegExp,
  resolve: (inner: string) => string | undefined,
  onMissing: (inner: string) => void,
): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(new RegExp(marker.source, 'g'))) {
    out += plainText(text.slice(last, m.index));
    const inner = (m[1] ?? '').trim();
    const expr = resolve(inner);
    if (expr === undefined) onMissing(inner);
    else out += whole(expr);
    last = m.index + m[0].length;
  }
  return out + plainText(text.slice(last));
}

/** The first of several expressions that has a value (a branch that ran), else null. */
export function firstOf(expressions: readonly string[]): string {
  if (expressions.length === 0) return 'null';
  return expressions.reduceRight((rest, e) => `$exists(${e}) ? ${e} : ${rest}`, 'null');
}

/** A JSON Schema type for a type name of another format (`array-string`, `integer`, `number`...). */
export function jsonType(type: unknown): Record<string, unknown> {
  const t = typeof type === 'string' ? type.toLowerCase() : '';
  const array = /^array[-[]?(\w+)?/.exec(t);
  if (array !== null) {
    const inner = array[1] === undefined ? undefined : jsonType(array[1]);
    return inner === undefined || Object.keys(inner).length === 0
      ? { type: 'array' }
      : { type: 'array', items: inner };
  }
  if (['string', 'text', 'text-input', 'paragraph', 'select', 'secret'].includes(t))
    return { type: 'string' };
  if (t === 'integer') return { type: 'integer' };
  if (t === 'number') return { type: 'number' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'object') return { type: 'object' };
  return {};
}

/** A scalar as text (a number as its digits), anything else as `fallback`. */
export function str(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fallback;
}

/** The objects of a list (anything else, or a list's other items, dropped): parts read from files. */
export function objects(v: unknown): any[] {
  return (Array.isArray(v) ? v : []).filter(
    (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x),
  );
}

/** A list as it is, anything else as an empty list. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
