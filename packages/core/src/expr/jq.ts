/**
 * @module expr/jq
 * jq expressions (the runtime expressions of Serverless Workflow documents), on
 * `@jq-tools/jq`: a pure-JavaScript interpreter, chosen over the WebAssembly builds of jq
 * (`jq-web`, `jq-wasm`) because it can be bounded in time without a worker (a WebAssembly call
 * cannot be interrupted), takes any JSON value as input, and was about 20 times faster on the
 * small filters workflows use (docs/serverless-workflow.md has the measurements).
 *
 * Hardened like JSONata (expr/harden.ts): each evaluation has the same time limit (100 ms by
 * default), checked at every step — every AST node evaluated and every value a native builtin
 * yields — so `[range(1e9)]` or `reduce range(1e9) ...` stop with `expression_timeout`; strings,
 * arrays and the result are bounded by the limits of expr/limits.ts; recursion is bounded by the
 * stack (a RangeError becomes `expression_depth`). Builtins that reach the host (`env`, `$ENV`,
 * `input`, `input_filename`, `debug`, `stderr`, `halt`, module paths) are refused, and regular
 * expressions (`test`, `match`, `capture`, `sub`, ...) run on RE2 (linear time), not on
 * JavaScript's backtracking engine.
 */
import { createRequire } from 'node:module';
import { RE2JS } from 're2js';
import { WeftError } from '../errors.js';
import { MAX_ARRAY_LENGTH, MAX_JSON_LENGTH, MAX_STRING_LENGTH } from './limits.js';
import { sizeOf } from './measure.js';

// The package is CommonJS; its native builtins are reached through their module object so that
// they can be wrapped once, at load.
const load = createRequire(import.meta.url);
interface JqTools {
  parse(source: string): JqAst;
  evaluate(ast: JqAst, input: unknown[]): Iterable<unknown>;
}
type JqAst = Record<string, unknown>;
type Native = (...args: unknown[]) => Iterable<unknown>;
const jq = load('@jq-tools/jq') as JqTools;
const natives = (
  load('@jq-tools/jq/src/lib/evaluate/filters/builtinNativeFilters.js') as {
    builtinNativeFilters: Record<string, Native>;
  }
).builtinNativeFilters;
const jqDefs = (
  load('@jq-tools/jq/src/lib/evaluate/filters/builtinJqFilters.js') as {
    builtinJqFilters: Record<string, unknown>;
  }
).builtinJqFilters;

/** The evaluation in progress (evaluations are synchronous and never re-entered). */
const clock = { deadline: Number.POSITIVE_INFINITY, steps: 0 };

function tick(): void {
  // Once expired, every step fails: a jq `try` that caught the timeout cannot go on.
  if (
    clock.deadline === Number.NEGATIVE_INFINITY ||
    ((++clock.steps & 255) === 0 && performance.now() > clock.deadline)
  ) {
    clock.deadline = Number.NEGATIVE_INFINITY;
    throw new WeftError('expression_timeout', 'the jq expression ran past its time limit', {
      details: { limit: 'time' },
    });
  }
}

function checkValue(value: unknown): void {
  if (typeof value === 'string' && value.length > MAX_STRING_LENGTH) {
    throw new WeftError(
      'expression_limit',
      `a jq string of ${value.length} characters is over the limit of ${MAX_STRING_LENGTH}`,
      { details: { limit: 'string_length', max: MAX_STRING_LENGTH } },
    );
  }
  if (Array.isArray(value) && value.length > MAX_ARRAY_LENGTH) {
    throw new WeftError(
      'expression_limit',
      `a jq array of ${value.length} items is over the limit of ${MAX_ARRAY_LENGTH}`,
      { details: { limit: 'array_length', max: MAX_ARRAY_LENGTH } },
    );
  }
}

/** Builtins that would reach the host or its files, or stop the process. */
const HOST_BUILTINS = [
  'env/0',
  'input/0',
  'input_filename/0',
  'input_line_number/0',
  'debug/0',
  'stderr/0',
  'halt/0',
  'halt_error/1',
  'get_search_list/0',
  'get_jq_origin/0',
  'get_prog_origin/0',
  'modulemeta/0',
];

function refused(name: string): Native {
  // eslint-disable-next-line require-yield
  return function* () {
    throw new WeftError(
      'expression_forbidden',
      `jq's \`${name.replace(/\/\d+$/, '')}\` is not available here: expressions read their data and nothing of the host`,
    );
  };
}

/** `_match_impl/3` on RE2: jq's `test`, `match`, `capture`, `scan`, `sub`, `gsub`, `splits`. */
function* matchOnRe2(
  input: { value: unknown },
  ...args: { value: unknown }[]
): Generator<{ value: unknown; path: unknown[] }> {
  const [re, flags, testOnly] = args.map((a) => a.value);
  if (typeof input.value !== 'string' || typeof re !== 'string')
    throw new WeftError('expression_error', 'jq regex functions need a string and a pattern');
  const f = typeof flags === 'string' ? flags : '';
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(
      re,
      (f.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (f.includes('s') ? RE2JS.DOTALL : 0),
    );
  } catch (e) {
    throw new WeftError(
      'expression_error',
      `jq regex \`${re}\`: ${e instanceof Error ? e.message : String(e)} (patterns are RE2: no backreferences or lookaround)`,
    );
  }
  const text = input.value;
  const global = f.includes('g');
  const matcher = compiled.matcher(text);
  if (testOnly === true) {
    yield { value: matcher.find(), path: [] };
    return;
  }
  const out: unknown[] = [];
  while (matcher.find()) {
    tick();
    const captures: unknown[] = [];
    for (let g = 1; g <= matcher.groupCount(); g++) {
      const s = matcher.group(g);
      captures.push({
        offset: s === null ? -1 : matcher.start(g),
        length: s === null ? 0 : s.length,
        string: s,
        name: null,
      });
    }
    const whole = matcher.group() ?? '';
    out.push({ offset: matcher.start(), length: whole.length, string: whole, captures });
    if (!global) break;
    if (whole.length === 0 && matcher.end() >= text.length) break;
  }
  yield { value: out, path: [] };
}

/** jq's `error` (missing from the interpreter): its message is the value, as text. */
// eslint-disable-next-line require-yield
function* raiseError(input: { value: unknown }): Generator<never> {
  const v = input.value;
  throw new Error(typeof v === 'string' ? v : JSON.stringify(v));
}

/** jq's `explode` (missing from the interpreter): a string's code points; `ascii_upcase` uses it. */
function* explode(input: { value: unknown }): Generator<{ value: unknown; path: unknown[] }> {
  if (typeof input.value !== 'string')
    throw new WeftError('expression_error', 'jq: explode input must be a string');
  yield { value: Array.from(input.value, (c) => c.codePointAt(0)!), path: [] };
}

/** jq's `implode` (missing from the interpreter): code points back to a string. */
function* implode(input: { value: unknown }): Generator<{ value: unknown; path: unknown[] }> {
  const v = input.value;
  if (!Array.isArray(v) || v.some((c) => !Number.isInteger(c) || c < 0 || c > 0x10ffff))
    throw new WeftError('expression_error', 'jq: implode input must be an array of code points');
  let text = '';
  for (const c of v as number[]) text += String.fromCodePoint(c);
  yield { value: text, path: [] };
}

/** jq's `now` (missing from the interpreter): seconds since the epoch. */
function* now(): Generator<{ value: unknown; path: unknown[] }> {
  yield { value: Date.now() / 1000, path: [] };
}

/** A broken-down time `[year, month0, day, hours, minutes, seconds, ...]` as a UTC date. */
const broken = ([y = 0, mo = 0, d = 1, h = 0, mi = 0, sec = 0]: number[]) =>
  new Date(Date.UTC(y, mo, d, h, mi, Math.floor(sec)));

/**
 * jq's `strftime` (missing from the interpreter; `todate` is built on it), in UTC, of seconds
 * since the epoch or of a broken-down time `[year, month0, day, hours, minutes, seconds, ...]`,
 * for the fields `%Y %m %d %H %M %S %j %Z %z %%`.
 */
function* strftime(
  input: { value: unknown },
  format: { value: unknown },
): Generator<{ value: unknown; path: unknown[] }> {
  const v = input.value;
  const date =
    typeof v === 'number'
      ? new Date(v * 1000)
      : Array.isArray(v) && v.length >= 6 && v.every((n) => typeof n === 'number')
        ? broken(v)
        : undefined;
  if (date === undefined || Number.isNaN(date.getTime()) || typeof format.value !== 'string')
    throw new WeftError('expression_error', 'jq: strftime/1 requires parsed datetime inputs');
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const yday = Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000);
  const fields: Record<string, string> = {
    Y: String(date.getUTCFullYear()),
    m: pad(date.getUTCMonth() + 1),
    d: pad(date.getUTCDate()),
    H: pad(date.getUTCHours()),
    M: pad(date.getUTCMinutes()),
    S: pad(date.getUTCSeconds()),
    j: pad(yday + 1, 3),
    Z: 'UTC',
    z: '+0000',
    '%': '%',
  };
  const text = format.value.replace(/%(.)/g, (all, f: string) => {
    const field = fields[f];
    if (field === undefined)
      throw new WeftError('expression_error', `jq: strftime: %${f} is not supported here`);
    return field;
  });
  yield { value: text, path: [] };
}

/** Once: every native builtin ticks the clock on each value it yields; host ones are refused. */
function harden(): void {
  natives['error/0'] = raiseError as unknown as Native;
  natives['explode/0'] = explode as unknown as Native;
  natives['implode/0'] = implode as unknown as Native;
  natives['now/0'] = now;
  natives['strftime/1'] = strftime as unknown as Native;
  for (const [name, fn] of Object.entries(natives)) {
    if (HOST_BUILTINS.includes(name)) {
      natives[name] = refused(name);
      continue;
    }
    const inner = name === '_match_impl/3' ? (matchOnRe2 as unknown as Native) : fn;
    natives[name] = function* (...args: unknown[]) {
      tick();
      for (const v of inner(...args)) {
        tick();
        checkValue((v as { value?: unknown } | undefined)?.value);
        yield v;
      }
    };
  }
  for (const def of Object.values(jqDefs)) instrument(def);
}

/** Every AST node's `type` is read each time the node is evaluated: a step of the clock. */
function instrument(node: unknown): void {
  const stack = [node];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const n = stack.pop();
    if (typeof n !== 'object' || n === null || seen.has(n)) continue;
    seen.add(n);
    if (!Array.isArray(n) && typeof (n as JqAst)['type'] === 'string') {
      const type = (n as JqAst)['type'];
      Object.defineProperty(n, 'type', {
        get() {
          tick();
          return type;
        },
        enumerable: true,
      });
    }
    for (const v of Object.values(n)) if (typeof v === 'object' && v !== null) stack.push(v);
  }
}

harden();

/** A jq syntax problem: its message and 0-based offset in the expression. */
export interface JqSyntaxError {
  message: string;
  offset: number;
}

/** Checks that `source` parses as jq; the problem and where it is, if not. */
export function checkJq(source: string): JqSyntaxError | undefined {
  try {
    jq.parse(source);
    return undefined;
  } catch (e) {
    return syntaxError(source, e);
  }
}

function syntaxError(source: string, e: unknown): JqSyntaxError {
  const raw = e instanceof Error ? e.message : String(e);
  const first = raw.split('\n')[0] ?? raw;
  const m = /\((\d+):(\d+)\)\s*$/.exec(first);
  let offset = 0;
  if (m !== null) {
    const line = Number(m[1]);
    const column = Number(m[2]);
    let at = 0;
    for (let l = 1; l < line; l++) {
      const nl = source.indexOf('\n', at);
      if (nl === -1) break;
      at = nl + 1;
    }
    offset = Math.min(source.length, at + column);
  }
  return { message: `jq: ${first.replace(/\s*\(\d+:\d+\)\s*$/, '')}`, offset };
}

/**
 * The interpreter's reader drops the blanks that follow an interpolation in a string
 * (`"\\(.a) \\(.b)"` reads as `"\\(.a)\\(.b)"`): each such run of blanks is written as an
 * interpolation of its own, which it keeps.
 */
export function keepSpacesAfterInterpolations(source: string): string {
  let out = '';
  // Each entry: a string (`s`) or an interpolation with its open parentheses (a number).
  const stack: ('s' | number)[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const top = stack[stack.length - 1];
    if (top === 's') {
      if (c === '\\' && source[i + 1] === '(') {
        stack.push(0);
        out += '\\(';
        i++;
      } else if (c === '\\') {
        out += c + (source[i + 1] ?? '');
        i++;
      } else {
        if (c === '"') stack.pop();
        out += c;
      }
      continue;
    }
    if (c === '"') stack.push('s');
    else if (typeof top === 'number' && c === '(') stack[stack.length - 1] = top + 1;
    else if (typeof top === 'number' && c === ')') {
      if (top > 0) stack[stack.length - 1] = top - 1;
      else {
        stack.pop();
        out += c;
        const blanks = /^[ \t]+/.exec(source.slice(i + 1))?.[0] ?? '';
        if (blanks !== '') {
          out += `\\(${JSON.stringify(blanks)})`;
          i += blanks.length;
        }
        continue;
      }
    }
    out += c;
  }
  return out;
}

export interface JqOptions {
  /** Time limit of one evaluation. @default 100 */
  timeoutMs?: number;
}

const compiled = new Map<string, JqAst>();
const CACHE_SIZE = 500;

/** Parses `source` with the variables bound in front, instrumented; cached by both. */
function program(source: string, names: readonly string[]): JqAst {
  const key = `${names.join(',')}\u0000${source}`;
  let ast = compiled.get(key);
  if (ast === undefined) {
    const bind =
      names.length === 0
        ? ''
        : `. as [{${names.map((n) => `$${n}`).join(', ')}}, $__weft_in] | $__weft_in | `;
    // Checked alone first: wrapped in parentheses, `.a) | (.b` would parse.
    const alone = checkJq(source);
    if (alone !== undefined) throw new WeftError('expression_syntax', alone.message);
    try {
      ast = jq.parse(`${bind}(${keepSpacesAfterInterpolations(source)}\n)`);
    } catch (e) {
      throw new WeftError('expression_syntax', syntaxError(source, e).message);
    }
    instrument(ast);
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, ast);
  }
  return ast;
}

/**
 * Evaluates a jq expression on `input`, with `vars` bound as `$name`. One output is the value;
 * none is null; several are an array of them.
 * @throws WeftError `expression_syntax`, `expression_error`, `expression_timeout`,
 *   `expression_limit`, `expression_depth`, `expression_forbidden`
 */
export function evaluateJq(
  source: string,
  input: unknown,
  vars: Readonly<Record<string, unknown>> = {},
  options: JqOptions = {},
): unknown {
  const names = Object.keys(vars).filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  const ast = program(source, names);
  const bound =
    names.length === 0 ? input : [Object.fromEntries(names.map((n) => [n, vars[n]])), input];
  const outer = { ...clock };
  clock.deadline = performance.now() + (options.timeoutMs ?? 100);
  clock.steps = 0;
  const outputs: unknown[] = [];
  try {
    for (const v of jq.evaluate(ast, [bound])) {
      tick();
      checkValue(v);
      outputs.push(v);
      if (outputs.length > MAX_ARRAY_LENGTH) checkValue(outputs);
    }
  } catch (e) {
    throw asWeftError(e);
  } finally {
    clock.deadline = outer.deadline;
    clock.steps = outer.steps;
  }
  const value = outputs.length === 0 ? null : outputs.length === 1 ? outputs[0] : outputs;
  if (sizeOf(value, 'the jq result').length > MAX_JSON_LENGTH) {
    throw new WeftError(
      'expression_limit',
      `the jq result is over ${MAX_JSON_LENGTH} characters of JSON`,
      { details: { limit: 'json_length', max: MAX_JSON_LENGTH } },
    );
  }
  return value;
}

function asWeftError(e: unknown): WeftError {
  if (e instanceof WeftError) return e;
  if (e instanceof RangeError) {
    return /call stack/i.test(e.message)
      ? new WeftError('expression_depth', 'the jq expression recursed too deeply')
      : new WeftError('expression_limit', `jq: ${e.message}`, {
          details: { limit: 'string_length' },
        });
  }
  const message = e instanceof Error ? e.message : String(e);
  const error = new WeftError('expression_error', `jq: ${message}`);
  // jq's `error(v)` carries a value: kept for callers that read it.
  if (typeof e === 'object' && e !== null && 'value' in e)
    (error as WeftError & { value?: unknown }).value = e.value;
  return error;
}

/** A `${ expr }` string: the expression inside; undefined for any other string. */
export function runtimeExpression(value: string): string | undefined {
  const m = /^\s*\$\{([\s\S]*)\}\s*$/.exec(value);
  return m === null ? undefined : (m[1] ?? '');
}

/** A field that is an expression whether or not it is wrapped in `${ }` (`when`, `from`, `as`). */
export function bareExpression(value: string): string {
  return runtimeExpression(value) ?? value;
}
