import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import jsonata from 'jsonata';
import { WeftError } from '../errors.js';
import { MISS, compileDirect, fastPath, plainPath } from './fastpath.js';
import { compileExpression, toPlainJson, toScopeValue } from './index.js';

const KEYS = ['a', 'b', 'c'] as const;

const leaf = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** Nested JSON whose keys are few, so that random paths often hit. */
const { data } = fc.letrec<{ data: unknown }>((tie) => ({
  data: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('data'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('data'), { maxKeys: 3 }),
  ),
}));

const scopeArb = fc.dictionary(fc.constantFrom(...KEYS), data, { maxKeys: 3 });
const pathArb = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 4 });

describe('plain path fast path', () => {
  it('recognises only plain dotted names', () => {
    const path = (source: string) => plainPath(jsonata(source).ast());
    expect(path('a')).toEqual(['a']);
    expect(path('a.b.c')).toEqual(['a', 'b', 'c']);
    expect(path('`a b`.c')).toEqual(['a b', 'c']);
    for (const source of [
      'a[0]',
      'a.b[]',
      '$.a',
      '$$.a',
      'a.*',
      'a{"k": b}',
      '(a)',
      'a.$x',
      'a^(b)',
      'a@$x.b',
      '"a"',
    ]) {
      expect(path(source), source).toBeUndefined();
    }
  });

  it('gives the result jsonata gives, on random data', () => {
    let direct = 0;
    fc.assert(
      fc.property(scopeArb, pathArb, fc.boolean(), (raw, names, convert) => {
        const scope = (convert ? toScopeValue(raw) : raw) as Record<string, unknown>;
        const source = names.join('.');
        // Parenthesised, the same path goes through jsonata.
        const expected = toPlainJson(compileExpression(`(${source})`).evaluate(scope));
        expect(toPlainJson(compileExpression(source).evaluate(scope))).toEqual(expected);
        const value = fastPath(names)(scope);
        if (value !== MISS) {
          direct++;
          expect(toPlainJson(value)).toEqual(expected);
        }
      }),
      { numRuns: 1000 },
    );
    // The property is only meaningful if the fast path answered often.
    expect(direct).toBeGreaterThan(100);
  });

  it('answers scope values by reference and defers arrays and raw data', () => {
    const scope = { a: toScopeValue({ b: { c: 1 }, list: [1] }), raw: { x: 1 } };
    const read = (...names: string[]) => fastPath(names)(scope);
    expect(read('a', 'b')).toBe((scope.a as { b: unknown }).b);
    expect(read('a', 'b', 'c')).toBe(1);
    expect(read('a', 'b', 'c', 'd')).toBeUndefined();
    expect(read('a', 'missing', 'x')).toBeUndefined();
    expect(read('a', 'list')).toBe(MISS);
    expect(read('raw', 'x')).toBe(MISS);
    expect(read('toString')).toBe(MISS);
  });
});

/** The value, or the error code, of evaluating `source`. */
function outcome(source: string, scope: Record<string, unknown>): unknown {
  try {
    return { value: toPlainJson(compileExpression(source).evaluate(scope)) };
  } catch (error) {
    if (!WeftError.is(error)) throw error;
    return { code: error.code };
  }
}

/** Conditions over paths and literals, the shape of most `when:` and `if` expressions. */
const { condition } = fc.letrec<{ operand: string; condition: string }>((tie) => ({
  operand: fc.oneof(
    { depthSize: 'small' },
    pathArb.map((names) => names.join('.')),
    fc.constantFrom('1', '0', '2.5', '-1', '"a"', '""', 'true', 'false', 'null'),
  ),
  condition: fc.oneof(
    { depthSize: 'small' },
    tie('operand'),
    fc
      .tuple(tie('operand'), fc.constantFrom('=', '!=', '<', '<=', '>', '>='), tie('operand'))
      .map(([l, op, r]) => `${l} ${op} ${r}`),
    fc
      .tuple(tie('condition'), fc.constantFrom('and', 'or'), tie('condition'))
      .map(([l, op, r]) => `${l} ${op} ${r}`),
  ),
}));

describe('direct conditions', () => {
  it('compiles only paths, literals, comparisons and and/or', () => {
    const direct = (source: string) => compileDirect(jsonata(source).ast()) !== undefined;
    for (const source of [
      'a',
      '1',
      '"x"',
      'true',
      'null',
      "a.b = 'x'",
      'a > 1 and b.c',
      'a or b != c',
    ]) {
      expect(direct(source), source).toBe(true);
    }
    for (const source of [
      '(a)',
      'a + 1',
      '$x = 1',
      'a = b[0]',
      'a in b',
      '$exists(a)',
      'a & b',
      '-a',
    ]) {
      expect(direct(source), source).toBe(false);
    }
  });

  it('gives the result or error jsonata gives, on random data', () => {
    let direct = 0;
    fc.assert(
      fc.property(scopeArb, condition, (raw, source) => {
        const scope = toScopeValue(raw) as Record<string, unknown>;
        // Parenthesised, the same condition goes through jsonata.
        expect(outcome(source, scope), source).toEqual(outcome(`(${source})`, scope));
        const run = compileDirect(jsonata(source).ast());
        if (run !== undefined && run(scope) !== MISS) direct++;
      }),
      { numRuns: 1000 },
    );
    expect(direct).toBeGreaterThan(300);
  });

  it('short-circuits like jsonata', () => {
    const scope = { a: toScopeValue({ s: 'x', n: 1 }) };
    // The right side would be a type error; and/or never reach it.
    expect(outcome('false and a.s > a.n', scope)).toEqual({ value: false });
    expect(outcome('true or a.s > a.n', scope)).toEqual({ value: true });
    expect(outcome('true and a.s > a.n', scope)).toEqual({ code: 'expression_error' });
  });
});
