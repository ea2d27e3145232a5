import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import type { AstNode } from './ast.js';
import { harden } from './harden.js';
import { checkRegexes } from './regex.js';
import { collectRoots } from './roots.js';
import { simpleRoots } from './simple.js';
import { clearExpressionCache, compileExpression, compileTemplate, toScopeValue } from './index.js';

/** What the full compile concludes of `source`: its roots, or that it refuses it. */
function judgedByJsonata(source: string): { roots: string[]; whole: boolean } | 'refused' {
  try {
    const ast = jsonata(source).ast() as AstNode;
    harden(ast, source);
    checkRegexes(ast);
    const { roots, readsWholeScope } = collectRoots(ast);
    return { roots, whole: readsWholeScope };
  } catch {
    return 'refused';
  }
}

const space = fc.constantFrom('', ' ', '  ', '\n', '\t');
const nameArb = fc.constantFrom(
  'a',
  'b',
  'n',
  'x_1',
  '_y',
  'andy',
  'order',
  'nullable',
  'true_',
  'inputs',
  'A9',
);
const pathArb = fc.array(nameArb, { minLength: 1, maxLength: 3 }).map((names) => names.join('.'));
const numberArb = fc.oneof(
  fc.nat({ max: 10 ** 9 }).map(String),
  fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 9999 })).map(([a, b]) => `${a}.${b}`),
);
const stringArb = fc
  .tuple(fc.constantFrom('"', "'"), fc.string({ maxLength: 6 }))
  .filter(([q, s]) => !s.includes(q) && !s.includes('\\'))
  .map(([q, s]) => `${q}${s}${q}`);
const operatorArb = fc.constantFrom(
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&',
  ' and ',
  ' or ',
);

/** Expressions of the simple grammar, with whitespace where jsonata allows it. */
const { expression } = fc.letrec<{ expression: string; operand: string }>((tie) => ({
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    pathArb,
    numberArb,
    stringArb,
    fc.constantFrom('true', 'false', 'null'),
    fc.tuple(space, tie('expression'), space).map(([s, e, t]) => `(${s}${e}${t})`),
    tie('operand').map((o) => `-${o}`),
  ),
  expression: fc
    .tuple(
      tie('operand'),
      fc.array(fc.tuple(space, operatorArb, space, tie('operand')), { maxLength: 4 }),
    )
    .map(([first, rest]) => first + rest.map(([s, op, t, o]) => `${s}${op}${t}${o}`).join('')),
}));

/** Text made of the characters that matter to the grammar's edges: mostly not valid. */
const noiseArb = fc
  .array(
    fc.constantFrom(
      ...'ab n.d()o r+-*/%=!<>&"\'01e$[]tul\\_{}?:,`~|^#@\t\n'.split(''),
      'and',
      'or',
      'null',
      'true',
      'in',
      '__proto__',
      'constructor',
      '/*',
      '**',
      '..',
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(''));

describe('simple expressions', () => {
  it('recognises the simple grammar, with the roots and validity jsonata gives', () => {
    fc.assert(
      fc.property(expression, (source) => {
        const roots = simpleRoots(source);
        expect(roots).toBeDefined();
        expect(judgedByJsonata(source)).toEqual({ roots, whole: false });
      }),
      { numRuns: 1500 },
    );
  });

  it('accepts nothing that jsonata or the sandbox refuses, nor misstates its roots', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          noiseArb,
          expression.map((e) => `${e})`),
        ),
        (source) => {
          const roots = simpleRoots(source);
          if (roots !== undefined) expect(judgedByJsonata(source)).toEqual({ roots, whole: false });
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('leaves unusual spellings, and everything beyond the grammar, to jsonata', () => {
    for (const source of [
      '',
      '  ',
      'a . b',
      'a.',
      '1e3',
      '1.',
      '.5',
      '01',
      'a.b[0]',
      '$x + 1',
      '"a\\"b" & c',
      'a in [1]',
      'f(a)',
      'a ** 2',
      'a /* c */ + b',
      'a ? b : c',
      'a.constructor',
      '__x + 1',
      '_jsonata_lambda.x',
      'a and',
      '(a',
      'a)',
      '()',
      'a andb',
      'a.function',
      `${'('.repeat(40)}a${')'.repeat(40)}`,
      Array.from({ length: 70 }, () => 'a').join(' + '),
      '123456789012345678 + 1',
    ]) {
      expect(simpleRoots(source), source).toBeUndefined();
    }
    expect(simpleRoots('a.n + b.n')).toEqual(['a', 'b']);
    expect(simpleRoots('(x.count > 3 and y.ok) or -x.total <= 0.5 & "z"')).toEqual(['x', 'y']);
  });

  it('compiles without jsonata, and evaluates as jsonata does', () => {
    clearExpressionCache();
    const compiled = compileExpression('a.n + b.n * 2');
    expect(compiled.roots).toEqual(['a', 'b']);
    expect(compiled.readsWholeScope).toBe(false);
    const scope = toScopeValue({ a: { n: 1 }, b: { n: [2, 3] } }) as Record<string, unknown>;
    expect(() => compiled.evaluate(scope)).toThrow(); // jsonata: a sequence is not a number
    const numbers = toScopeValue({ a: { n: 1 }, b: { n: 4 } }) as Record<string, unknown>;
    expect(compiled.evaluate(numbers)).toBe(9);
    expect(compileTemplate('{{ a.n & "-" & b.n }}!').evaluate(numbers)).toBe('1-4!');
  });

  it('reports the syntax errors jsonata reports, where it reports them', () => {
    for (const source of ['a +', 'a + * b', '(a', 'a ** ']) {
      const error = (() => {
        try {
          compileExpression(source);
        } catch (e) {
          return e as { code: string; details?: unknown };
        }
        return undefined;
      })();
      expect(error?.code, source).toBe('expression_syntax');
    }
  });
});
