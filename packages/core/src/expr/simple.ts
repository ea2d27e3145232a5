/**
 * @module expr/simple
 * Recognises, without jsonata, expressions built only of dotted paths of plain names, numbers,
 * strings without escapes, `true`/`false`/`null`, parentheses, unary minus and the operators
 * `+ - * / % = != < <= > >= & and or` — such as `a.n + b.n` or `x.count > 3 and y.ok`. Such text
 * is valid JSONata that the sandbox accepts, and it reads the first name of each of its paths, so
 * it can be checked and its roots known before jsonata ever parses it. That matters because a
 * jsonata parse builds its whole parser each time (about a hundred times the cost of this scan),
 * and a generated definition holds thousands of expressions.
 *
 * The grammar is deliberately narrow: anything outside it, including text that is merely spelled
 * unusually (`a . b`, `1e3`, a backslash in a string), is left to jsonata, which then reports
 * errors exactly as before. The property tests in ./simple.test.ts hold this module to jsonata.
 */
import { FORBIDDEN_KEYS, MAGIC_KEYS } from './guards.js';

/** Where jsonata ends a name: at whitespace or at any character of its operators. */
const NAME_END = new Set([...' \t\n\r\v.[]{}(),@#;:?+-*/%|=<>^&!~']);
const WHITESPACE = new Set([...' \t\n\r']);
const SINGLE_OPERATORS = new Set([...'+-*/%=<>&']);
const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
/** Words jsonata reads as operators or values, or that name its own constructs. */
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

/** Enough for any hand-written condition; far below where jsonata's recursive passes strain. */
const MAX_PARENS = 32;
const MAX_OPERATORS = 64;
/** Digits of a number's integer or fraction part: parses to a finite double, as jsonata needs. */
const MAX_DIGITS = 15;

/**
 * The roots of `source` (the first name of each path, in order of first appearance) when it is
 * in the simple grammar; undefined when it is not, and jsonata must judge it.
 */
export function simpleRoots(source: string): string[] | undefined {
  const roots: string[] = [];
  let i = 0;
  let parens = 0;
  let operators = 0;
  const n = source.length;
  const skipSpace = () => {
    while (i < n && WHITESPACE.has(source.charAt(i))) i++;
  };
  /** A name at `i`, or undefined; moves `i` past it. */
  const name = (): string | undefined => {
    const start = i;
    if (!NAME_START.test(source.charAt(i))) return undefined;
    while (i < n && NAME_PART.test(source.charAt(i))) i++;
    if (i < n && !NAME_END.has(source.charAt(i))) return undefined;
    const word = source.slice(start, i);
    if (RESERVED.has(word) || FORBIDDEN_KEYS.has(word) || MAGIC_KEYS.has(word)) return undefined;
    return word.startsWith('__') ? undefined : word;
  };
  const digits = (): number => {
    const start = i;
    while (i < n && source.charCodeAt(i) >= 48 && source.charCodeAt(i) <= 57) i++;
    return i - start;
  };

  for (;;) {
    // An operand.
    skipSpace();
    const c = source.charAt(i);
    if (c === '(') {
      if (++parens > MAX_PARENS) return undefined;
      i++;
      continue;
    }
    if (c === '-') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = source.indexOf(c, i + 1);
      if (end < 0 || source.slice(i + 1, end).includes('\\')) return undefined;
      i = end + 1;
    } else if (c >= '0' && c <= '9') {
      const whole = digits();
      if (whole > MAX_DIGITS || (whole > 1 && c === '0')) return undefined;
      if (source.charAt(i) === '.') {
        i++;
        const fraction = digits();
        if (fraction === 0 || fraction > MAX_DIGITS) return undefined;
      }
    } else {
      const start = i;
      const word = /^(true|false|null)/.exec(source.slice(i, i + 5))?.[1];
      if (
        word !== undefined &&
        (i + word.length === n || NAME_END.has(source.charAt(i + word.length)))
      ) {
        i += word.length;
      } else {
        i = start;
        const first = name();
        if (first === undefined) return undefined;
        if (!roots.includes(first)) roots.push(first);
        while (source.charAt(i) === '.') {
          i++;
          if (name() === undefined) return undefined;
        }
      }
    }
    // Closing parentheses, then an operator or the end.
    for (;;) {
      skipSpace();
      if (source.charAt(i) !== ')') break;
      if (--parens < 0) return undefined;
      i++;
    }
    if (i === n) return parens === 0 ? roots : undefined;
    if (++operators > MAX_OPERATORS) return undefined;
    const op = source.charAt(i);
    const next = source.charAt(i + 1);
    if ((op === '!' || op === '<' || op === '>') && next === '=') i += 2;
    else if (SINGLE_OPERATORS.has(op)) {
      // `**` is jsonata's descendant step and `/*` opens a comment: neither is an operator here.
      if ((op === '*' || op === '/') && next === '*') return undefined;
      i++;
    } else if (source.startsWith('and', i) || source.startsWith('or', i)) {
      const word = op === 'a' ? 'and' : 'or';
      i += word.length;
      if (i < n && !NAME_END.has(source.charAt(i))) return undefined;
    } else return undefined;
  }
}
