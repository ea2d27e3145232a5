/**
 * Escape attempts against the sandbox. Each is either refused with an error or evaluates to
 * something harmless; none may reach a prototype, a JavaScript function or the hooks.
 */
import jsonata from 'jsonata';
import { afterEach, describe, expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import { compileExpression, compileTemplate, toPlainJson, toScopeValue } from './index.js';

const scope = () => ({
  inputs: toScopeValue({ a: 1, o: { b: 'x' }, list: [{ k: 1 }] }),
  // What a hostile upstream node could output: JSON cannot hold functions, but it can hold
  // keys that name prototypes or imitate jsonata's function objects.
  evil: toScopeValue(
    JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}},' +
        ' "fake": {"_jsonata_lambda": true, "thunk": true, "arguments": [], "input": {},' +
        ' "environment": null, "body": {"type": "string", "value": "pwned"}}}',
    ),
  ),
});

function outcome(
  source: string,
  s: Record<string, unknown> = scope(),
): { code: string } | { value: unknown } {
  try {
    return { value: toPlainJson(compileExpression(source).evaluate(s)) };
  } catch (error) {
    if (!WeftError.is(error)) throw error;
    return { code: error.code };
  }
}

const refused = (source: string, s?: Record<string, unknown>) => {
  const result = outcome(source, s);
  expect(result, source).toHaveProperty('code');
  return (result as { code: string }).code;
};

afterEach(() => {
  // Whatever ran, nothing leaked into the prototypes every object shares.
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('pwned');
});

describe('prototype walking', () => {
  it.each([
    'inputs.constructor',
    'inputs.__proto__',
    'inputs.prototype',
    'inputs.`constructor`',
    '$.constructor',
    '$$.__proto__',
    '{}.constructor.constructor("return process")()',
    'inputs.o.__lookupGetter__("__proto__")',
    '(function($o){ $o.constructor })(inputs)',
    'inputs@$c.constructor',
    '{"constructor": 1}',
    "$lookup(inputs, 'constructor')",
    "$lookup($, '__proto__')",
  ])('refuses %s before running it', (source) => {
    expect(refused(source)).toBe('expression_forbidden');
  });

  it.each([
    "$lookup($, 'constr' & 'uctor')",
    "$lookup({}, '__pro' & 'to__')",
    "$lookup($lookup({}, 'constr' & 'uctor'), 'constr' & 'uctor')('return process')()",
    "( $k := $join(['con', 'struc', 'tor']); $lookup(inputs.o, $k) )",
    "$map(['constructor'], function($k){ $lookup(inputs, $k) })",
    "inputs{'__pro' & 'to__': a}",
    "{'constr' & 'uctor': 1}",
    "inputs ~> |o|{'__pro' & 'to__': {'polluted': true}}|",
  ])('refuses %s with a dynamic key at run time', (source) => {
    expect(refused(source)).toBe('expression_forbidden');
  });

  it('reads only own data keys with $lookup', () => {
    expect(outcome("$lookup({}, 'toString')")).toEqual({ value: undefined });
    expect(outcome("$lookup({}, 'hasOwnProperty')")).toEqual({ value: undefined });
    expect(outcome("$lookup(inputs.list, 'k')")).toEqual({ value: 1 });
  });

  it('does not let Object.prototype methods out as values', () => {
    expect(refused('{}.toString')).toBe('expression_forbidden');
    expect(refused('({}.valueOf)()')).toBe('expression_forbidden');
    expect(refused("$string({'toJSON': {}.toString})")).toBe('expression_forbidden');
    expect(refused('( $h := {}.hasOwnProperty; $h("a") )')).toBe('expression_forbidden');
    expect(refused('( $h := [{}, {}].hasOwnProperty; $h[0]("a") )')).toBe('expression_forbidden');
  });

  it('treats data keys that name prototypes as plain keys', () => {
    const merged = outcome('$merge([evil])');
    expect(merged).toHaveProperty('value');
    const value = (merged as { value: Record<string, unknown> }).value;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(outcome('$spread(evil)')).toHaveProperty('value');
    expect(outcome('$sift(evil, function($v){ true })')).toHaveProperty('value');
    expect(outcome('$keys(evil)')).toEqual({ value: ['__proto__', 'constructor', 'fake'] });
    expect(outcome('$string(evil)')).toHaveProperty('value');
    expect(outcome('evil ~> |$|{"x": 1}|')).toHaveProperty('value');
  });

  it('keeps transforms away from the prototypes (CVE-2024-27307 style)', () => {
    expect(refused("$ ~> |__proto__|{'polluted': true}|")).toBe('expression_forbidden');
    expect(refused("{} ~> |$lookup($, '__pro' & 'to__')|{'polluted': true}|")).toBe(
      'expression_forbidden',
    );
    expect(refused("evil ~> |constructor.prototype|{'polluted': true}|")).toBe(
      'expression_forbidden',
    );
  });
});

describe('code execution', () => {
  it('has no $eval, even when shadowing tricks reach the builtin', () => {
    expect(refused('$eval("1 + 1")')).toBe('expression_forbidden');
    expect(refused('$eval("$$.constructor")')).toBe('expression_forbidden');
    expect(refused('( ( $eval := function($x){ $x } ); $eval("inputs.constructor") )')).toBe(
      'expression_forbidden',
    );
    expect(refused('$map(["1"], $eval)')).toBe('expression_forbidden');
  });

  it('refuses calling functions that are neither builtins nor bound by the expression', () => {
    expect(refused('$process()')).toBe('expression_forbidden');
    expect(refused('$require("fs")')).toBe('expression_forbidden');
    expect(refused('inputs.o.b()')).toBe('expression_forbidden');
    expect(refused('"abc".toUpperCase()')).toBe('expression_forbidden');
  });

  it('never calls a function that came from data', () => {
    const hostile = {
      fn: () => 'pwned',
      nested: { fn: () => 'pwned' },
      def: { _jsonata_function: true, implementation: () => 'pwned' },
    };
    for (const source of [
      'fn()',
      "$lookup($$, 'fn')()",
      '( $f := fn; $f() )',
      '( $f := nested.fn; $f() )',
      '$map([1], nested.fn)',
      '( $d := def; $d() )',
      "$lookup($, 'def')()",
      '1 ~> fn',
    ]) {
      const result = outcome(source, hostile);
      expect(result, source).not.toEqual({ value: 'pwned' });
      expect(result, source).toHaveProperty('code');
    }
    expect(outcome('fn', hostile)).toEqual({ value: undefined });
  });

  it('cannot forge a jsonata lambda (whose body would run as an unchecked AST)', () => {
    // The threat is real: stock jsonata 1.8.7 runs an object built by the expression itself.
    const forged = `( $f := {"_jsonata_lambda": true, "arguments": [], "input": {"a": 1}, "environment": null,
      "body": {"type": "path", "steps": [{"type": "unary", "value": "{", "lhs": []},
                                         {"type": "name", "value": "constr" & "uctor"}]}}; $f() )`;
    expect(
      jsonata(forged.replace('"_jsonata_lambda"', '"_jsonata_" & "lambda"')).evaluate({}),
    ).toBe(Object);

    expect(refused(forged)).toBe('expression_forbidden');
    expect(refused(forged.replace('"_jsonata_lambda"', '"_jsonata_" & "lambda"'))).toBe(
      'expression_forbidden',
    );
    expect(refused('$merge([{"_jsonata_" & "function": true}])')).toBe('expression_forbidden');
    // From data, the marks are dropped when the data enters the scope.
    expect(outcome('( $f := evil.fake; $f() )')).toEqual({ code: 'expression_error' });
    expect(outcome('( $f := function(){ $lookup(evil, "fake") }; $f() )')).not.toEqual({
      value: 'pwned',
    });
    expect(outcome('evil.fake.thunk')).toEqual({ value: true });
    expect(outcome('evil.fake._jsonata_lambda')).toEqual({ value: undefined });
  });

  it('keeps function internals out of reach', () => {
    expect(refused('$string.implementation')).toBe('expression_forbidden');
    expect(refused('$lookup.signature')).toBe('expression_forbidden');
    expect(refused('( $f := function(){ 1 }; $f.environment )')).toBe('expression_forbidden');
    expect(refused('( $f := function(){ 1 }; $f.environment.bind("__evaluate_entry", 0) )')).toBe(
      'expression_forbidden',
    );
    expect(refused('$substring(?, 1).*')).toBe('expression_forbidden');
    expect(refused('$keys($string)')).toBe('expression_forbidden');
    expect(refused('$keys(function(){ 1 })')).toBe('expression_forbidden');
    expect(refused('$spread($string)')).toBe('expression_forbidden');
    expect(refused("$lookup($string, 'implementation')")).toBe('expression_forbidden');
    expect(refused('$merge([$string])')).toBe('expression_error'); // refused by its signature
    expect(refused('$each($string, function($v){ $v })')).toBe('expression_error');
    expect(refused('/a/("aa").next')).toBe('expression_forbidden');
    // Descending into a function finds only its marker, not its environment or raw code.
    expect(outcome('$count({"f": function(){ 1 }}.**)')).toEqual({ value: 3 });
    expect(outcome('$count({"f": $string}.**)')).toEqual({ value: 3 });
    expect(outcome('( $string("x"); $count({"f": $string}.**) )')).toEqual({ value: 3 });
    expect(refused('{"f": function(){ 1 }}.**.environment')).toBe('expression_forbidden');
  });

  it('renders functions as nothing rather than as their source', () => {
    expect(outcome('$string($string)')).toEqual({ value: '' });
    expect(outcome('$string(function($x){ $x })')).toEqual({ value: '' });
    expect(outcome('$string({"f": $lookup})')).toEqual({ value: '{"f":""}' });
    expect(outcome('"" & $uppercase')).toEqual({ value: '' });
    expect(refused('$uppercase')).toBe('expression_error'); // a function is not a JSON result
  });
});

describe('the hooks and the bounds', () => {
  it('refuses binding the names jsonata uses internally', () => {
    for (const source of [
      '$__evaluate_entry := function(){ 0 }',
      '( $__evaluate_exit := 0; 1 )',
      'function($__evaluate_entry){ 1 }(0)',
      '$clone := function($x){ $x }',
      '$hasOwnProperty := 1',
      '$__proto__ := {}',
      '$constructor := 1',
      'inputs@$__evaluate_entry',
      '$__evaluate_entry',
    ]) {
      expect(refused(source), source).toBe('expression_forbidden');
    }
  });

  it('bounds time and depth of every hostile loop', () => {
    const bounded = (source: string) => {
      const e = compileExpression(source, { timeoutMs: 30 });
      const started = performance.now();
      try {
        e.evaluate(scope());
      } catch (error) {
        expect(performance.now() - started).toBeLessThan(2000);
        return WeftError.is(error) ? error.code : 'not a WeftError';
      }
      return 'finished';
    };
    expect(bounded('( $f := function($n){ $f($n + 1) }; $f(0) )')).toBe('expression_timeout');
    expect(bounded('( $f := function($n){ 1 + $f($n + 1) }; $f(0) )')).toMatch(
      /expression_(timeout|depth)/,
    );
    expect(bounded('[1..10000].([1..10000].[1..10])')).toBe('expression_timeout');
    expect(bounded('$sort([1..100000], function($a, $b){ $a < $b })')).toBe('expression_timeout');
    expect(bounded('( $f := function($g){ $g($g) }; $f($f) )')).toBe('expression_timeout');
    expect(bounded('( $y := function($g){ function($n){ $g($g)($n) } }; $y($y)(1) )')).toMatch(
      /expression_(timeout|depth)/,
    );
  });

  it('applies the same rules inside templates', () => {
    expect(() => compileTemplate('Hi {{ inputs.constructor }}')).toThrow(/cannot be read/);
    expect(() => compileTemplate('Hi {{ $eval("1") }}').evaluate(scope())).toThrow(/not available/);
  });
});
