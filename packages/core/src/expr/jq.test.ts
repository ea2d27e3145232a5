import { describe, expect, it } from 'vitest';
import { checkJq, evaluateJq } from './jq.js';

describe('jq expressions', () => {
  it('evaluates the filters workflows use, with variables', () => {
    expect(evaluateJq('.colors + ["red"]', {})).toEqual(['red']);
    expect(evaluateJq('"Hello \\(.user.firstName)!"', { user: { firstName: 'John' } })).toBe(
      'Hello John!',
    );
    expect(
      evaluateJq(
        '{ colors: (.p.colors + [ $color ]), indexes: (.p.indexes + [ $index ]) }',
        { p: {} },
        { color: 'red', index: 0 },
      ),
    ).toEqual({ colors: ['red'], indexes: [0] });
    expect(evaluateJq('{ ids: [ $input, .id ] }', { id: 2 }, { input: 1 })).toEqual({
      ids: [1, 2],
    });
    expect(evaluateJq('.a // "d"', { a: null })).toBe('d');
    expect(evaluateJq('. | length', [1, 2, 3])).toBe(3);
    expect(evaluateJq('.[]', [1, 2])).toEqual([1, 2]);
    expect(evaluateJq('empty', 1)).toBeNull();
    expect(evaluateJq('try error("x") catch .', null)).toBe('x');
    // explode/implode were missing from the interpreter; ascii_upcase/downcase are built on them.
    expect(evaluateJq('ascii_upcase', 'Héllo, Ada!')).toBe('HéLLO, ADA!');
    expect(evaluateJq('ascii_downcase', 'ADA')).toBe('ada');
    expect(evaluateJq('explode', 'a😀')).toEqual([97, 128512]);
    expect(evaluateJq('implode', [97, 128512])).toBe('a😀');
    expect(() => evaluateJq('explode', 1)).toThrow(/explode input must be a string/);
    // now and strftime (todate) were missing too.
    expect(evaluateJq('todate', 1_700_000_000)).toBe('2023-11-14T22:13:20Z');
    expect(evaluateJq('strftime("%Y/%j")', [2024, 1, 29, 0, 0, 0])).toBe('2024/060');
    const t = evaluateJq('now', null) as number;
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    expect(Number.isNaN(Date.parse(evaluateJq('now | todate', null) as string))).toBe(false);
    expect(evaluateJq('test("a+b")', 'xaab')).toBe(true);
    expect(evaluateJq('[match("a(b)"; "g") | .captures[0].string]', 'abab')).toEqual(['b', 'b']);
  });

  it('places syntax errors', () => {
    expect(checkJq('.a | [')).toEqual({ message: 'jq: Unexpected EOF', offset: 6 });
    expect(checkJq('.a')).toBeUndefined();
  });

  it('is bounded in time, size and depth, and does not reach the host', () => {
    expect(() => evaluateJq('[range(1000000000)]', null, {}, { timeoutMs: 50 })).toThrow(
      /time limit/,
    );
    expect(() =>
      evaluateJq('reduce range(1000000000) as $x (0; . + 1)', null, {}, { timeoutMs: 50 }),
    ).toThrow(/time limit/);
    expect(() => evaluateJq('def f: 1 + f; f', null)).toThrow(/recursed too deeply|time limit/);
    // A jq `try` does not swallow the time limit.
    expect(() =>
      evaluateJq('[try ([range(1000000000)]) catch "caught", 1]', null, {}, { timeoutMs: 50 }),
    ).toThrow(/time limit/);
    expect(() => evaluateJq('[limit(3; repeat(1))]', null)).not.toThrow();
    expect(() => evaluateJq('[repeat(1)]', null, {}, { timeoutMs: 50 })).toThrow(
      /time limit|recursed too deeply/,
    );
    expect(() => evaluateJq('env', null)).toThrow(/not available/);
    expect(() => evaluateJq('$ENV', null)).toThrow();
    expect(() => evaluateJq('input', null)).toThrow(/not available/);
    expect(() => evaluateJq('test("(a+)+$")', 'a'.repeat(5000) + 'b')).not.toThrow();
    expect(() => evaluateJq('test("a(?=b)")', 'aa')).toThrow(/RE2/);
  });
});

describe('jq strings', () => {
  it('keeps the blanks after an interpolation', () => {
    expect(evaluateJq('"Hello \\(.a) \\(.b)!"', { a: 'John', b: 'Doe' })).toBe('Hello John Doe!');
    expect(evaluateJq('"\\(.a)  and \\("(x)") y"', { a: 1 })).toBe('1  and (x) y');
  });
});

describe('jq programs', () => {
  it('are checked alone: what only parses inside the binding is refused', () => {
    expect(() => evaluateJq('.a) | (.b', { a: 1 }, { x: 1 })).toThrow(/jq: /);
    expect(() => evaluateJq('.a +', {})).toThrow(/jq: /);
  });
});
