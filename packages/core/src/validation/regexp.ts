/**
 * @module validation/regexp
 * Every regex a workflow supplies (JSONata regex literals, JSON Schema `pattern` and
 * `patternProperties`) runs on re2js, a pure-JavaScript port of RE2: matching takes time linear
 * in the input whatever the pattern, where JavaScript's backtracking engine takes exponential
 * time on shapes like `(a+)+$` — and a webhook's input reaches the schema of `inputs` unauthenticated.
 * The price is RE2's syntax: no backreferences, no lookaround; such patterns are refused when the
 * definition is checked, naming the pattern.
 */
import { RE2JS } from 're2js';

/** Compiled patterns by flags and source; patterns come from definitions, so they are few. */
const compiled = new Map<string, RE2JS>();
const CACHE_LIMIT = 2000;

/**
 * `source` (JavaScript syntax, or a RegExp whose `i`/`m` flags are kept) compiled for RE2.
 * @throws Error naming the pattern when RE2 cannot run it
 */
export function compileLinear(source: string | RegExp): RE2JS {
  const key = typeof source === 'string' ? `/${source}` : `${source.flags}/${source.source}`;
  let program = compiled.get(key);
  if (program !== undefined) return program;
  try {
    program = RE2JS.compile(RE2JS.translateRegExp(source));
  } catch (error) {
    const text = typeof source === 'string' ? source : source.source;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the pattern "${text}" is not supported (${reason}); patterns run on a linear-time (RE2) ` +
        'engine, without backreferences or lookaround',
    );
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, program);
  return program;
}

/** ajv's `code.regExp` option: JSON Schema patterns matched in linear time. */
/** What ajv would write to make this engine in standalone code, which Weft never generates. */
const STANDALONE_SOURCE = 're2js';

export const linearRegExp = Object.assign(
  (pattern: string): { test(text: string): boolean; toString(): string } => {
    const program = compileLinear(pattern);
    // ajv keys its compiled patterns by `toString()`.
    return { test: (text: string) => program.test(text), toString: () => `/${pattern}/` };
  },
  { code: STANDALONE_SOURCE },
);
