/**
 * @module dsl/zod-issues
 * Turns zod issues into findings: one per unknown key (with a "did you mean"), unions explained by
 * the alternative the author evidently meant, and friendlier wording for the common cases.
 */
import type { z } from 'zod';
import type { Finding, Path, Segment } from './findings.js';
import { KNOWN_KEYS } from './schema.js';

type Issue = z.core.$ZodIssue;

const MISSING = '\u0000missing';

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isInteger(value)) return `the number ${value}`;
  if (typeof value === 'string')
    return value.length > 40 ? 'a string' : `the string ${JSON.stringify(value)}`;
  return article(typeof value);
}

/** zod's type names, in the words of someone writing YAML. */
const EXPECTED_WORDS: Record<string, string> = {
  int: 'an integer',
  record: 'an object',
  tuple: 'an array',
  nan: 'a number',
};

/**
 * YAML reads unquoted `true`, `false` and numbers as such, so `port: true` is a boolean where a
 * string was meant: say to quote it, naming the key.
 */
function quoteHint(path: readonly PropertyKey[] | undefined, input: unknown): string | undefined {
  if (typeof input !== 'boolean' && typeof input !== 'number') return undefined;
  const key = path?.[path.length - 1];
  const what = typeof key === 'string' ? `${key} must be a string` : 'must be a string';
  // A number's text may differ from what was written (`1.10` reads as 1.1): quote what you wrote.
  const write =
    typeof input === 'boolean' || Number.isInteger(input)
      ? `write "${String(input)}" in quotes`
      : 'write it in quotes';
  return `${what}; ${write}`;
}

/**
 * zod error map for the DSL's own schema. Messages set on a schema (`error: ...`) take precedence
 * over this map, so specific wording stays where it was written.
 */
export const dslErrorMap = (iss: z.core.$ZodRawIssue): string | undefined => {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return MISSING;
    if (iss.expected === 'string') {
      const quoted = quoteHint(iss.path, iss.input);
      if (quoted !== undefined) return quoted;
    }
    return `expected ${EXPECTED_WORDS[iss.expected] ?? article(iss.expected)}, got ${describe(iss.input)}`;
  }
  if (iss.code === 'invalid_value') {
    if (iss.values.length === 1) return `must be ${JSON.stringify(iss.values[0])}`;
    const values = iss.values.map((v) => String(v));
    // A value off by case or one letter (`get`, `exponental`) is named; a different word is not.
    const hint = typeof iss.input === 'string' ? suggest(iss.input, values, 1) : '';
    return `must be one of ${values.join(', ')}${hint}`;
  }
  if (iss.code === 'too_small') {
    if (iss.origin === 'string' && Number(iss.minimum) === 1) return 'must not be empty';
    if (iss.origin === 'array')
      return `must have at least ${iss.minimum} item${Number(iss.minimum) === 1 ? '' : 's'}`;
    return `must be ${iss.inclusive === false ? 'greater than' : 'at least'} ${iss.minimum}`;
  }
  if (iss.code === 'too_big') {
    if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`;
    if (iss.origin === 'array') return `must have at most ${iss.maximum} items`;
    return `must be ${iss.inclusive === false ? 'less than' : 'at most'} ${iss.maximum}`;
  }
  // Everything else keeps zod's wording, or the schema's own.
  return undefined;
};

/** Levenshtein distance, capped: only small distances matter for suggestions. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 4;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * " (did you mean `x`?)" for the closest candidate, or "". `maxDistance` narrows the guess where
 * the candidates are few and short (enum values), so that only a near miss is named.
 */
export function suggest(word: string, candidates: Iterable<string>, maxDistance?: number): string {
  let best: string | undefined;
  // One typo in a short word, two in a longer one; single letters are not worth guessing at.
  let bestD = word.length <= 2 ? 1 : word.length <= 4 ? 2 : word.length <= 8 ? 3 : 4;
  if (maxDistance !== undefined) bestD = Math.min(bestD, maxDistance + 1);
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best === undefined ? '' : ` (did you mean \`${best}\`?)`;
}

/** The keys the strict object at `path` accepts, judged from where it sits in the document. */
function knownKeysAt(path: Path): readonly string[] {
  const n = path.length;
  if (n === 0) return KNOWN_KEYS.workflow;
  const last = path[n - 1];
  const prev = path[n - 2];
  if (typeof last === 'number') {
    if (prev === 'nodes' || prev === 'entry' || prev === 'exit') return KNOWN_KEYS.node;
    if (prev === 'edges') return KNOWN_KEYS.edge;
    if (prev === 'needs') return KNOWN_KEYS.need;
    if (prev === 'triggers') return KNOWN_KEYS.trigger;
    return [];
  }
  if (prev === 'states' && n === 2) return KNOWN_KEYS.state;
  if ((prev === 'on' || prev === 'after') && path[n - 4] === 'states') return KNOWN_KEYS.transition;
  return BY_KEY[String(last)] ?? [];
}

/** Strict objects recognised by the key they sit under. */
const BY_KEY: Record<string, readonly string[]> = {
  retry: KNOWN_KEYS.retry,
  defaults: KNOWN_KEYS.defaults,
  limits: KNOWN_KEYS.limits,
  retention: KNOWN_KEYS.retention,
  concurrency: KNOWN_KEYS.concurrency,
  singleton: KNOWN_KEYS.singleton,
  debounce: KNOWN_KEYS.debounce,
  rate: KNOWN_KEYS.rate,
  budget: KNOWN_KEYS.budget,
  on_error: KNOWN_KEYS.on_error,
};

export interface ConvertOptions {
  /** Issues at or under a path for which this returns true are dropped (relative paths). */
  drop?: (path: readonly Segment[]) => boolean;
  /** Suggest DSL keys for unknown keys. */
  dslHints?: boolean;
  /** The keys accepted at a relative path, for the suggestions of unknown node parameters. */
  keysAt?: (rel: readonly Segment[]) => readonly string[];
}

/**
 * Appends findings for zod issues. `prefix` is where the parsed value sits in the definition;
 * issue paths are relative to it.
 */
export function issuesToFindings(
  issues: readonly Issue[],
  prefix: Path,
  out: Finding[],
  options: ConvertOptions = {},
): void {
  convert(issues, [], prefix, out, options);
}

function convert(
  issues: readonly Issue[],
  base: Segment[],
  prefix: Path,
  out: Finding[],
  options: ConvertOptions,
): void {
  for (const issue of issues) {
    const rel: Segment[] = [
      ...base,
      ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    ];
    if (options.drop?.(rel) === true) continue;
    const path = [...prefix, ...rel];
    if (issue.code === 'unrecognized_keys') {
      const known = options.dslHints === true ? knownKeysAt(path) : (options.keysAt?.(rel) ?? []);
      for (const key of issue.keys) {
        out.push({
          path: [...path, key],
          message: `unknown key \`${key}\`${suggest(key, known)}`,
          severity: 'error',
          at: 'key',
        });
      }
    } else if (issue.code === 'invalid_union') {
      const branches = issue.errors.map((branch) =>
        options.drop === undefined
          ? branch
          : branch.filter(
              (i) =>
                !options.drop?.([
                  ...rel,
                  ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
                ]),
            ),
      );
      // A template standing where one alternative wanted it satisfies that alternative.
      if (options.drop !== undefined && branches.some((b) => b.length === 0)) continue;
      // The alternatives whose type matched show what the author meant; of those, the one that
      // came closest (fewest problems) is explained, if there is a single such one.
      let meant = branches.filter(
        (b) =>
          !b.some(
            (i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'),
          ),
      );
      const fewest = Math.min(...meant.map((b) => b.length));
      meant = meant.filter((b) => b.length === fewest);
      if (meant.length === 1 && meant[0] !== undefined)
        convert(meant[0], rel, prefix, out, options);
      else out.push({ path, message: issue.message, severity: 'error' });
    } else {
      const last = rel[rel.length - 1] ?? path[path.length - 1];
      const message =
        issue.message === MISSING ? `missing required key \`${String(last)}\`` : issue.message;
      out.push({ path, message, severity: 'error' });
    }
  }
}
