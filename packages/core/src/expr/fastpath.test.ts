import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression, toPlainJson, toScopeValue } from './index.js';
import { MISS, fastPath, plainPath } from './fastpath.js';
import type { AstNode } from './ast.js';
import jsonata from 'jsonata';

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
    const path = (source: string) => plainPath(jsonata(source).ast() as AstNode);
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
