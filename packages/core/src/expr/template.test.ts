import { describe, expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import { compileTemplate, compileValue, hasTemplate, toPlainJson, toScopeValue } from './index.js';

const scope = {
  inputs: toScopeValue({
    name: 'Ada',
    n: 3,
    ok: true,
    none: null,
    tags: ['a', 'b'],
    user: { id: 'u1' },
  }),
  fetch: toScopeValue({ body: { items: [1, 2] } }),
};

function failure(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (error) {
    if (WeftError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a WeftError');
}

describe('hasTemplate', () => {
  it('detects {{ }} parts', () => {
    expect(hasTemplate('Hello {{ inputs.name }}')).toBe(true);
    expect(hasTemplate('{{ unclosed')).toBe(true);
    expect(hasTemplate('plain { braces } here')).toBe(false);
    expect(hasTemplate('')).toBe(false);
  });
});

describe('compileTemplate', () => {
  it('returns static text unchanged', () => {
    const t = compileTemplate('no parts } here');
    expect(t.isStatic).toBe(true);
    expect(t.roots).toEqual([]);
    expect(t.evaluate(scope)).toBe('no parts } here');
  });

  it('keeps the type of a single part', () => {
    expect(compileTemplate('{{ inputs.n }}').evaluate(scope)).toBe(3);
    expect(compileTemplate('  {{ inputs.ok }}\n').evaluate(scope)).toBe(true);
    expect(toPlainJson(compileTemplate('{{ fetch.body }}').evaluate(scope))).toEqual({
      items: [1, 2],
    });
    expect(compileTemplate('{{ inputs.missing }}').evaluate(scope)).toBeUndefined();
    expect(compileTemplate('{{ inputs.none }}').evaluate(scope)).toBeNull();
  });

  it('renders several parts to text', () => {
    const t = compileTemplate('Hi {{ inputs.name }}, n={{ inputs.n }} ok={{ inputs.ok }}');
    expect(t.isStatic).toBe(false);
    expect(t.roots).toEqual(['inputs']);
    expect(t.evaluate(scope)).toBe('Hi Ada, n=3 ok=true');
    expect(compileTemplate('[{{ inputs.missing }}|{{ inputs.none }}]').evaluate(scope)).toBe('[|]');
    expect(compileTemplate('tags={{ inputs.tags }} user={{ inputs.user }}').evaluate(scope)).toBe(
      'tags=["a","b"] user={"id":"u1"}',
    );
    expect(compileTemplate('{{ inputs.name }}{{ inputs.n }}').evaluate(scope)).toBe('Ada3');
  });

  it('finds the end of a part past braces, strings, comments and regexes', () => {
    expect(toPlainJson(compileTemplate('{{ {"a": {"b": 1}} }}').evaluate(scope))).toEqual({
      a: { b: 1 },
    });
    expect(compileTemplate('<{{ "}}" }}>').evaluate(scope)).toBe('<}}>');
    expect(compileTemplate('<{{ "\\"}}" }}>').evaluate(scope)).toBe('<"}}>');
    expect(compileTemplate('<{{ /* }} */ 1 }}>').evaluate(scope)).toBe('<1>');
    expect(compileTemplate('<{{ $replace("aab", /a{2}/, "}}") }}>').evaluate(scope)).toBe('<}}b>');
    expect(compileTemplate('<{{ inputs.n / 3 }}>').evaluate(scope)).toBe('<1>');
    expect(compileTemplate('<{{ `odd }}`.x }}>').evaluate({ 'odd }}': { x: 'y' } })).toBe('<y>');
  });

  it('collects roots of every part', () => {
    const t = compileTemplate(
      '{{ inputs.name }} and {{ fetch.body.items[0] }} {{ $count(inputs.tags) }}',
    );
    expect(t.roots).toEqual(['inputs', 'fetch']);
    expect(t.readsWholeScope).toBe(false);
    expect(compileTemplate('{{ $keys($) }}').readsWholeScope).toBe(true);
  });

  it('positions errors in the whole template', () => {
    const unclosed = failure(() => compileTemplate('Hello {{ inputs.name'));
    expect(unclosed.code).toBe('expression_syntax');
    expect(unclosed.details).toMatchObject({ position: 6 });

    const syntax = failure(() => compileTemplate('ab {{ inputs. }}'));
    expect(syntax.code).toBe('expression_syntax');
    expect((syntax.details as { position: number }).position).toBeGreaterThanOrEqual(5);

    const empty = failure(() => compileTemplate('ab {{ }}'));
    expect(empty.code).toBe('expression_syntax');

    const forbidden = failure(() => compileTemplate('ab {{ inputs.constructor }}'));
    expect(forbidden.code).toBe('expression_forbidden');
    expect(forbidden.details).toMatchObject({ position: 13 });

    const runtime = failure(() => compileTemplate('x {{ inputs.name + 1 }}').evaluate(scope));
    expect(runtime.code).toBe('expression_error');
    expect((runtime.details as { position: number }).position).toBeGreaterThan(4);
  });

  it('bounds the whole template by one budget', () => {
    const slow = '{{ $reduce([1..200000], function($a, $b){ $a + $b }) }}';
    const t = compileTemplate(`${slow} ${slow} ${slow}`, { timeoutMs: 30 });
    const started = performance.now();
    expect(failure(() => t.evaluate(scope)).code).toBe('expression_timeout');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a part rendering a function', () => {
    expect(failure(() => compileTemplate('x {{ $string }}').evaluate(scope)).code).toBe(
      'expression_error',
    );
  });
});

describe('compileValue', () => {
  it('shares a value without templates', () => {
    const value = { a: [1, { b: 'text' }], c: null };
    const compiled = compileValue(value);
    expect(compiled.isStatic).toBe(true);
    expect(compiled.roots).toEqual([]);
    expect(compiled.evaluate(scope)).toBe(value);
  });

  it('renders templates anywhere in the value and shares static parts', () => {
    const staticPart = { deep: ['x'] };
    const compiled = compileValue({
      greeting: 'Hello {{ inputs.name }}',
      count: '{{ inputs.n }}',
      list: ['{{ inputs.user.id }}', 'plain', 7],
      keep: staticPart,
      gone: '{{ inputs.missing }}',
      '{{ key }}': 'keys are not templates',
    });
    expect(compiled.isStatic).toBe(false);
    expect(compiled.roots).toEqual(['inputs']);
    const out = compiled.evaluate(scope) as Record<string, unknown>;
    expect(out).toEqual({
      greeting: 'Hello Ada',
      count: 3,
      list: ['u1', 'plain', 7],
      keep: { deep: ['x'] },
      '{{ key }}': 'keys are not templates',
    });
    expect(out['keep']).toBe(staticPart);
    expect(Object.hasOwn(out, 'gone')).toBe(false);
  });

  it('keeps a "__proto__" key a key', () => {
    const value = JSON.parse('{"__proto__": {"x": "{{ inputs.name }}"}}') as unknown;
    const out = compileValue(value).evaluate(scope) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('compiles every template up front', () => {
    expect(() => compileValue({ a: ['ok', '{{ broken ( }}'] })).toThrow(WeftError);
  });

  it('bounds the whole value by one budget', () => {
    const slow = '{{ $reduce([1..200000], function($a, $b){ $a + $b }) }}';
    const compiled = compileValue([slow, slow, slow], { timeoutMs: 30 });
    expect(failure(() => compiled.evaluate(scope)).code).toBe('expression_timeout');
  });
});
