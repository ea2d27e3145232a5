/**
 * @module expr/regex
 * The regex engine JSONata's regex literals run on (`$match`, `$replace`, `$split`, `$contains`):
 * re2js, linear in the input, behind the small part of the RegExp interface jsonata 1.8 uses
 * (`lastIndex` and `exec`). Each search is metered: its deterministic cost (the characters it
 * consumes) is charged, and a search whose worst case (remaining input × program size) could
 * outlast the time budget is refused before it starts.
 */
import type { Matcher, RE2JS } from 're2js';
import { WeftError } from '../errors.js';
import { compileLinear } from '../validation/regexp.js';
import { forEachChild, nodeStart, type AstNode } from './ast.js';
import { COST, charge, predict } from './limits.js';

type Match = string[] & { index: number };

/** jsonata constructs one per evaluation of a regex literal, from the literal's RegExp. */
export class LinearRegExp {
  lastIndex = 0;
  private readonly program: RE2JS;
  private readonly size: number;
  private readonly label: string;
  private matcher: Matcher | undefined;
  private input: string | undefined;

  constructor(literal: RegExp) {
    this.program = compileLinear(literal);
    this.size = this.program.programSize();
    this.label = `the regex /${literal.source}/`;
  }

  /** As RegExp.prototype.exec with the `g` flag: searches from `lastIndex` and moves it on. */
  exec(input: string): Match | null {
    const from = this.lastIndex;
    predict((input.length - from) * this.size * COST.regex, this.label);
    // jsonata's loops (`$replace`, `$split`, `$match`) search one text again and again.
    if (this.matcher === undefined || this.input !== input) {
      this.matcher = this.program.matcher(input);
      this.input = input;
    }
    const matcher = this.matcher;
    if (from > input.length || !matcher.find(from)) {
      charge(COST.call + (input.length - from) * COST.char, this.label);
      this.lastIndex = 0;
      return null;
    }
    const end = matcher.end();
    charge(COST.call + (end - from) * COST.char, this.label);
    const match = [] as unknown as Match;
    for (let group = 0; group <= matcher.groupCount(); group++) {
      // re2js reports a group that took no part as null; RegExp, and so jsonata, as undefined.
      match.push(matcher.group(group) ?? (undefined as unknown as string));
    }
    match.index = matcher.start();
    this.lastIndex = end;
    return match;
  }
}

/**
 * Compiles every regex literal of `ast` for the linear engine, so that a pattern it cannot run
 * is refused with the expression rather than when it is first evaluated.
 * @throws WeftError `expression_syntax` naming the pattern, with `details.position`
 */
export function checkRegexes(ast: AstNode): void {
  if (ast.type === 'regex' && ast.value instanceof RegExp) {
    try {
      compileLinear(ast.value);
    } catch (error) {
      throw new WeftError('expression_syntax', (error as Error).message, {
        details: { position: nodeStart(ast) ?? 0, token: `/${ast.value.source}/` },
      });
    }
  }
  forEachChild(ast, checkRegexes);
}

/** jsonata's own pattern for `$toMillis` without a picture; backtracks on `2020-01-01-01...x`. */
const ISO_8601 =
  '^\\d{4}(-[01]\\d)*(-[0-3]\\d)*(T[0-2]\\d:[0-5]\\d:[0-5]\\d)*(\\.\\d+)?([+-][0-2]\\d:?[0-5]\\d|Z)?$';

/** Whether jsonata's ISO 8601 check accepts `text`, decided in linear time. */
export function isIsoTimestamp(text: string): boolean {
  return compileLinear(ISO_8601).test(text);
}

const NativeRegExp = globalThis.RegExp;

/** What jsonata's `$toMillis` builds from a picture with `new RegExp(source, 'i')`. */
class PictureRegExp {
  private readonly program: RE2JS;

  constructor(source: string, flags?: string) {
    // re2js may build RegExps of its own while compiling.
    globalThis.RegExp = NativeRegExp;
    try {
      this.program = compileLinear(new NativeRegExp(source, flags));
    } finally {
      globalThis.RegExp = PictureRegExp as unknown as RegExpConstructor;
    }
  }

  exec(input: string): unknown {
    return this.program.exec(input);
  }
}

/**
 * Runs `fn` (jsonata's `$toMillis` with a picture) with `new RegExp` building linear regexes:
 * jsonata turns a picture into adjacent groups (`^([0-9]+)([0-9]+)...$`) that backtrack
 * polynomially on a long run of digits. Evaluation is synchronous: nothing else runs meanwhile.
 */
export function withLinearRegExp<T>(fn: () => T): T {
  globalThis.RegExp = PictureRegExp as unknown as RegExpConstructor;
  try {
    return fn();
  } finally {
    globalThis.RegExp = NativeRegExp;
  }
}
