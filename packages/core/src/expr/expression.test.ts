import { describe, expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import { compileExpression, toPlainJson, toScopeValue } from './index.js';

const scope = Object.freeze({
  inputs: toScopeValue({
    a: 1,
    text: 'Hello',
    items: [1, 2, 3],
    user: { id: 'u1', tags: ['x', 'y'] },
  }),
  classify: toScopeValue({ text: 'spam', score: 0.9 }),
  run: toScopeValue({ id: 'r1', attempt: 1 }),
});

// A generous budget: these tests are about results, and a loaded test machine is slow.
const evaluate = (source: string, s: object = scope, now?: number) =>
  toPlainJson(
    compileExpression(source, { timeoutMs: 5000 }).evaluate(s as Record<string, unknown>, { now }),
  );

function failure(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (error) {
    if (WeftError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a WeftError');
}

describe('compileExpression: evaluation', () => {
  it('reads the scope as the input document', () => {
    expect(evaluate("classify.text = 'spam' and inputs.a = 1")).toBe(true);
    expect(evaluate('inputs.user.tags[1]')).toBe('y');
    expect(evaluate('$sum(inputs.items) * 2')).toBe(12);
    expect(evaluate('$map(inputs.items, function($v, $i){ $v * $i })')).toEqual([0, 2, 6]);
    expect(evaluate('inputs.items[$ > 1]')).toEqual([2, 3]);
    expect(evaluate('{"id": run.id, "n": $count(inputs.items)}')).toEqual({ id: 'r1', n: 3 });
    expect(evaluate('missing.field')).toBeUndefined();
  });

  it('keeps the JSONata features that bind their own functions and variables', () => {
    expect(evaluate('( $double := function($x){ $x * 2 }; $double(inputs.a) )')).toBe(2);
    expect(evaluate('( $add := function($a){ function($b){ $a + $b } }; $add(1)(2) )')).toBe(3);
    expect(evaluate('inputs.items ~> $map(function($v){ $v + 1 }) ~> $sum()')).toBe(9);
    expect(evaluate('( $f := $uppercase ~> $trim; $f(" ab ") )')).toBe('AB');
    expect(evaluate('( $second := $substring(?, 1); $second("abc") )')).toBe('bc');
    expect(evaluate("( $get := $lookup(?, 'a'); $get(inputs) )")).toBe(1);
    expect(evaluate('inputs ~> |user|{"id": "u2"}|')).toMatchObject({
      user: { id: 'u2', tags: ['x', 'y'] },
    });
    expect(evaluate('$match("a1b2", /[0-9]/).match')).toEqual(['1', '2']);
    expect(evaluate('inputs.items#$i[$i > 0]')).toEqual([2, 3]);
    expect(evaluate('$keys(inputs.user)')).toEqual(['id', 'tags']);
    expect(evaluate('$each(inputs.user, function($v, $k){ $k })')).toEqual(['id', 'tags']);
    expect(evaluate('$sift(classify, function($v){ $type($v) = "number" })')).toEqual({
      score: 0.9,
    });
    expect(evaluate('$spread({"a": 1, "b": 2})')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(evaluate('$merge([{"a": 1}, {"b": 2}])')).toEqual({ a: 1, b: 2 });
    expect(evaluate('( $f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10) )')).toBe(
      3628800,
    );
    expect(
      evaluate('( $twice := function($g, $x){ $g($g($x)) }; $twice(function($v){ $v * 3 }, 2) )'),
    ).toBe(18);
    expect(
      evaluate('( $box := function($g){ {"f": $g} }; $lookup($box($uppercase), "f")("a") )'),
    ).toBe('A');
    expect(
      evaluate(
        '( $keep := function($g){ {"f": $g} }; $lookup($keep(function($v){ $v + 1 }), "f")(1) )',
      ),
    ).toBe(2);
    expect(evaluate('$reduce([1..1000], function($a, $b){ $a + $b })')).toBe(500500);
  });

  it('does not mutate the scope', () => {
    const s = { inputs: toScopeValue({ user: { id: 'u1' } }) };
    evaluate('inputs ~> |user|{"id": "u2"}|', s);
    expect(evaluate('inputs.user.id', s)).toBe('u1');
  });

  it('makes $now() and $millis() deterministic when given a time', () => {
    const at = Date.UTC(2024, 0, 2, 3, 4, 5);
    expect(evaluate('$now()', scope, at)).toBe('2024-01-02T03:04:05.000Z');
    expect(evaluate('$millis()', scope, at)).toBe(at);
    expect(evaluate("$now('[Y0001]-[M01]-[D01]')", scope, at)).toBe('2024-01-02');
    // A picture without a date takes it from the evaluation's time.
    expect(evaluate("$toMillis('10:00', '[H01]:[m01]')", scope, at)).toBe(Date.UTC(2024, 0, 2, 10));
  });

  it('reads the real clock without a time', () => {
    const before = Date.now();
    const millis = evaluate('$millis()') as number;
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
  });

  it('evaluates against a scope whose frames are chained by prototype', () => {
    const outer = Object.create(null) as Record<string, unknown>;
    outer['inputs'] = toScopeValue({ a: 1 });
    const inner = Object.create(outer) as Record<string, unknown>;
    inner['item'] = toScopeValue({ n: 2 });
    const expression = compileExpression('inputs.a + item.n');
    expect(expression.evaluate(inner)).toBe(3);
    expect(toPlainJson(compileExpression('$keys($)').evaluate(inner))).toEqual(['item', 'inputs']);
  });

  it('copies a scope of plain, unconverted data', () => {
    expect(evaluate('a.b', { a: { b: [1, 2] } })).toEqual([1, 2]);
    expect(evaluate('toString', { a: 1 })).toBeUndefined();
  });

  it('caches compiled expressions by text and options', () => {
    expect(compileExpression('inputs.a + 1')).toBe(compileExpression('inputs.a + 1'));
    expect(compileExpression('inputs.a + 1', { timeoutMs: 5 })).not.toBe(
      compileExpression('inputs.a + 1'),
    );
  });

  it('reads plain references without jsonata, falling back to it for arrays', () => {
    const ref = compileExpression('a.b');
    expect(ref.roots).toEqual(['a']);
    expect(ref.evaluate(toScopeValue({ a: { b: 1 } }) as Record<string, unknown>)).toBe(1);
    const listed = toScopeValue({ a: [{ b: 1 }, { b: 2 }] }) as Record<string, unknown>;
    expect(ref.evaluate(listed)).toEqual(compileExpression('(a.b)').evaluate(listed));
    expect(failure(() => compileExpression('a.constructor')).code).toBe('expression_forbidden');
  });

  it('refuses nonsensical bounds', () => {
    expect(failure(() => compileExpression('1', { timeoutMs: 0 })).code).toBe('invalid_argument');
    expect(failure(() => compileExpression('1', { maxDepth: 1.5 })).code).toBe('invalid_argument');
  });
});

describe('compileExpression: errors', () => {
  it.each([
    ['a +', 3, undefined],
    ['foo bar', 4, 'bar'],
    ['(a', 2, undefined],
    ['a ]', 2, ']'],
    ["'abc", 4, undefined],
    ['', 0, undefined],
  ])('positions the syntax error of %j at %i', (source, position, token) => {
    const error = failure(() => compileExpression(source));
    expect(error.code).toBe('expression_syntax');
    expect(error.details).toMatchObject({ position });
    if (token !== undefined) expect(error.details).toMatchObject({ token });
  });

  it('turns runtime failures into expression_error', () => {
    const error = failure(() => evaluate('inputs.text + 1'));
    expect(error.code).toBe('expression_error');
    expect(error.message).toMatch(/left side of the "\+" operator/);
    expect(error.details).toMatchObject({ code: 'T2001' });
    expect(failure(() => evaluate("$error('boom')")).message).toBe('boom');
  });

  it('stops an infinite loop with expression_timeout', () => {
    const loop = compileExpression('( $f := function($n){ $f($n + 1) }; $f(0) )', {
      timeoutMs: 20,
    });
    const started = performance.now();
    const error = failure(() => loop.evaluate({}));
    expect(error.code).toBe('expression_timeout');
    expect(performance.now() - started).toBeLessThan(1000);
    // A range of 1e7 items is now refused before it is allocated (expression_limit, see
    // adversarial.test.ts); 1e6 items still spin long enough to time out.
    const spin = compileExpression('$reduce([1..1000000], function($a, $b){ $a + $b })', {
      timeoutMs: 20,
    });
    expect(failure(() => spin.evaluate({})).code).toBe('expression_timeout');
  });

  it('stops unbounded recursion with expression_depth', () => {
    // Recursion in jsonata 1.8 costs time quadratic in its depth: give the clock room.
    const runaway = compileExpression('( $f := function($n){ 1 + $f($n + 1) }; $f(0) )', {
      timeoutMs: 10_000,
    });
    expect(failure(() => runaway.evaluate({})).code).toBe('expression_depth');
    const shallow = compileExpression(
      '( $f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(5) )',
      {
        maxDepth: 10,
        timeoutMs: 10_000,
      },
    );
    expect(failure(() => shallow.evaluate({})).code).toBe('expression_depth');
  });

  it('never lets the JavaScript stack overflow, even with a huge maxDepth', () => {
    const deep = compileExpression('( $f := function($n){ 1 + $f($n + 1) }; $f(0) )', {
      maxDepth: 1_000_000,
      timeoutMs: 10_000,
    });
    expect(failure(() => deep.evaluate({})).code).toBe('expression_depth');
    // The module is still usable afterwards.
    expect(evaluate('inputs.a + 1')).toBe(2);
  });
});

describe('roots', () => {
  const roots = (source: string) => compileExpression(source).roots;
  const whole = (source: string) => compileExpression(source).readsWholeScope;

  it('names the first step of paths read from the root', () => {
    expect(roots("classify.text = 'x' and inputs.a")).toEqual(['classify', 'inputs']);
    expect(roots('a')).toEqual(['a']);
    expect(roots('-a.x + $count(b) * c.d.e')).toEqual(['a', 'b', 'c']);
    expect(roots('{"k": a, "l": [b, c]}')).toEqual(['a', 'b', 'c']);
    expect(roots('a ? b : c')).toEqual(['a', 'b', 'c']);
    expect(roots('( $x := a; $x + b )')).toEqual(['a', 'b']);
    expect(roots('function($v){ $v + a }(1)')).toEqual(['a']);
    expect(roots('$map(items.list, function($v){ $v.x + limit })')).toEqual(['items', 'limit']);
    expect(roots('(a).b')).toEqual(['a']);
    expect(roots('x ~> $substring(y)')).toEqual(['x', 'y']);
    expect(roots('`odd name`.x')).toEqual(['odd name']);
  });

  it('reads through $$ and a root-level $', () => {
    expect(roots('items[price > $$.limits.max]')).toEqual(['items', 'limits']);
    expect(roots('$.inputs.a')).toEqual(['inputs']);
    expect(roots('$$.(a + b)')).toEqual(['a', 'b']);
  });

  it('skips predicates, later steps and variables', () => {
    expect(roots('a[b = 1].c')).toEqual(['a']);
    expect(roots('a.(b + c)')).toEqual(['a']);
    expect(roots('a{k: v}')).toEqual(['a']);
    expect(roots('a^(b)')).toEqual(['a']);
    expect(roots('( $x := 1; $x.y )')).toEqual([]);
    expect(roots('"literal" & 1')).toEqual([]);
    expect(roots('a ~> |b|{"c": d}|')).toEqual(['a']);
  });

  it('flags reads of the whole scope', () => {
    expect(whole('a.b')).toBe(false);
    expect(whole('$$.a')).toBe(false);
    expect(whole('$keys($)')).toBe(true);
    expect(whole('$$')).toBe(true);
    expect(whole('*')).toBe(true);
    expect(whole('**.x')).toBe(true);
    expect(whole('a.*')).toBe(false);
  });
});
