/**
 * Hostile expressions (issue 17, section 1): catastrophic regexes, allocation bombs and large
 * native operations must end in a clear error (or a quick result) without blocking the event
 * loop. A `setInterval` probe runs beside each evaluation; the longest gap between its ticks is
 * the stall the evaluation caused. Bounds are generous (the suite shares a loaded machine): each
 * payload used to take seconds to minutes, or kill the process; the measured figures are printed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import { validateAgainst } from '../validation/json-schema.js';
import { compileExpression } from './index.js';

/** Far above the ~100 ms target, far below what each payload took before. */
const BOUND_MS = 1500;

interface Outcome {
  code: string;
  elapsed: number;
  stall: number;
}

const figures: [string, Outcome][] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` from a timer while an interval probes the event loop. */
async function probe(label: string, fn: () => unknown): Promise<Outcome> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 2);
  await sleep(10);
  stall = 0;
  const outcome = await new Promise<Omit<Outcome, 'stall'>>((resolve) =>
    setTimeout(() => {
      const started = performance.now();
      let code = 'ok';
      try {
        fn();
      } catch (error) {
        code = WeftError.is(error) ? error.code : `thrown: ${String(error)}`;
      }
      resolve({ code, elapsed: performance.now() - started });
    }, 0),
  );
  await sleep(10);
  clearInterval(timer);
  const result = { ...outcome, stall };
  figures.push([label, result]);
  return result;
}

function evaluate(source: string, scope: Record<string, unknown> = {}, timeoutMs?: number) {
  return () => compileExpression(source, { timeoutMs }).evaluate(scope);
}

const hostile = (n: number, tail = '!') => 'a'.repeat(n) + tail;

afterAll(() => {
  const rows = figures.map(
    ([label, o]) =>
      `${o.code.padEnd(20)} ${o.elapsed.toFixed(1).padStart(7)} ms  stall ${o.stall.toFixed(1).padStart(7)} ms  ${label}`,
  );
  console.log(`adversarial expressions:\n${rows.join('\n')}`);
});

describe('adversarial: regexes run in linear time', () => {
  it.each([
    ['$match nested quantifier', '$match(inputs.s, /(a+)+$/)', hostile(5000)],
    ['$replace overlapping alternation', '$replace(inputs.s, /(a|a)*b/, "x")', hostile(5000)],
    ['$contains (a|aa)+$', '$contains(inputs.s, /(a|aa)+$/)', hostile(5000)],
    ['$split (.*a){20}', '$split(inputs.s, /(.*a){20}/)', hostile(2000, '')],
    ['$match (x+x+)+y', '$match(inputs.s, /(x+x+)+y/)', 'x'.repeat(5000)],
    ['$replace (\\w+\\s?)*$', '$replace(inputs.s, /(\\w+\\s?)*$/, "")', `${'ab '.repeat(2000)}!`],
  ])('%s', async (label, source, text) => {
    const outcome = await probe(label, evaluate(source, { inputs: { s: text } }));
    expect(['ok', 'expression_limit']).toContain(outcome.code);
    expect(outcome.elapsed).toBeLessThan(BOUND_MS);
    expect(outcome.stall).toBeLessThan(BOUND_MS);
  });

  it('refuses a search whose worst case exceeds the budget, before it runs', async () => {
    const outcome = await probe(
      '$split (.*a){20} on 1 M characters',
      evaluate('$split(inputs.s, /(.*a){20}/)', { inputs: { s: hostile(1_000_000, '') } }),
    );
    expect(outcome.code).toBe('expression_limit');
    expect(outcome.elapsed).toBeLessThan(BOUND_MS);
  });

  it('refuses a pattern the linear engine cannot run, naming it', () => {
    expect(() => compileExpression('$match(inputs.s, /(a)\\1/)')).toThrow(/\(a\)\\1/);
    expect(() => compileExpression('$match(inputs.s, /a(?=b)/)')).toThrow(
      expect.objectContaining({ code: 'expression_syntax' }),
    );
  });

  it('keeps $toMillis pictures and ISO timestamps linear', async () => {
    const digits = `${'1'.repeat(60)}x`;
    const picture = await probe(
      '$toMillis picture of adjacent numbers',
      evaluate('$toMillis(inputs.s, "[Y][M][D][H][m][s][f][Y][M][D]")', { inputs: { s: digits } }),
    );
    expect(picture.code).toBe('ok');
    const iso = await probe(
      '$toMillis ISO backtracking',
      evaluate('$toMillis(inputs.s)', { inputs: { s: `2020${'-01'.repeat(20_000)}x` } }),
    );
    expect(iso.code).toBe('expression_error');
    expect(Math.max(picture.elapsed, iso.elapsed)).toBeLessThan(BOUND_MS);
  });

  it('validates a hostile input against a catastrophic schema pattern quickly', async () => {
    const schema = {
      type: 'object',
      properties: { s: { type: 'string', pattern: '^(a+)+$' } },
      patternProperties: { '^(b|bb)+$': { type: 'string' } },
    };
    const input = { s: hostile(50), [hostile(50, '').replace(/a/g, 'b') + '!']: 'x' };
    const outcome = await probe('input schema pattern ^(a+)+$', () =>
      validateAgainst(schema, input, { code: 'invalid_input', root: 'inputs', what: 'input' }),
    );
    expect(outcome.code).toBe('invalid_input');
    expect(outcome.elapsed).toBeLessThan(BOUND_MS);
  });
});

describe('adversarial: sizes are checked before allocation', () => {
  it.each([
    [
      '& doubling in recursion',
      '( $f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("ab", 40)) )',
    ],
    ['$pad to 200 M', '$pad("x", 200000000)'],
    ['$pad with a long filler', '$pad("x", 10000000, "abcdefghij")'],
    ['range of 1e7', '$count([1..10000000])'],
    ['array constructor flattening', '( $a := [1..1000000]; $count([$a, $a, $a]) )'],
    [
      '$string of shared structure',
      '( $a := $pad("", 1000000, "x"); $b := [$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a,$a]; $string($b) )',
    ],
    [
      '$replace growth',
      '$replace($pad("", 1000000, "a"), "a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")',
    ],
    ['$split into items', '$count($split($pad("", 2000000, "a"), ""))'],
  ])('%s', async (label, source) => {
    // A generous time budget, so that the size limit, not the clock of a loaded machine, is what
    // stops each of them (the time bound has its own tests).
    const outcome = await probe(label, evaluate(source, {}, 2000));
    expect(outcome.code).toBe('expression_limit');
    expect(outcome.elapsed).toBeLessThan(BOUND_MS);
    expect(outcome.stall).toBeLessThan(BOUND_MS);
  });

  it('stops $join doubling at the string limit', async () => {
    // Each doubling copies the string: a generous time budget lets the size limit, not the
    // clock, be what stops it on a loaded machine.
    const outcome = await probe(
      '$join doubling',
      evaluate(
        '( $f := function($s, $n){ $n = 0 ? $s : $f($join([$s, $s]), $n - 1) }; $f("ab", 40) )',
        {},
        2000,
      ),
    );
    expect(outcome.code).toBe('expression_limit');
    expect(outcome.elapsed).toBeLessThan(2 * BOUND_MS);
  });

  it('refuses a result whose JSON would be too long', async () => {
    const outcome = await probe(
      'result of shared structure',
      evaluate('( $a := $pad("", 4000000, "x"); [$a, $a, $a, $a, $a] )'),
    );
    expect(outcome.code).toBe('expression_limit');
  });
});

describe('adversarial: large operations are charged before they run', () => {
  it.each([
    ['$zip of three 1 M arrays', '$count($zip([1..1000000], [1..1000000], [1..1000000]))'],
    ['$sort of 300 k numbers', '$count($sort($reverse([1..300000])))'],
    ['$string of 1 M values', '( $a := [1..1000]; $string($map($a, function(){ $a })) )'],
    [
      'deep equality of shared structures',
      '( $a := [1..100000]; $b := $map([1..200], function(){ $a }); $b = $b )',
    ],
    [
      '** over shared structure',
      '( $a := [1..100000]; $count($map([1..300], function(){ $a }).**) )',
    ],
  ])('%s', async (label, source) => {
    const outcome = await probe(label, evaluate(source));
    expect(['expression_limit', 'expression_timeout']).toContain(outcome.code);
    expect(outcome.elapsed).toBeLessThan(BOUND_MS);
    expect(outcome.stall).toBeLessThan(BOUND_MS);
  });

  it('makes $distinct linear', async () => {
    const outcome = await probe(
      '$distinct of 20 k objects',
      evaluate('$count($distinct($map([1..20000], function($i){ {"a": $i % 1000} })))', {}, 5000),
    );
    expect(outcome.code).toBe('ok');
    expect(outcome.elapsed).toBeLessThan(5000);
    expect(
      compileExpression(
        '$distinct([{"a":1,"b":[2]}, {"b":[2],"a":1}, "1", 1, "1", [1], [1]])',
      ).evaluate({}),
    ).toEqual([{ a: 1, b: [2] }, '1', 1, [1]]);
  });
});
