import { describe, expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import { compileExpression, isScopeValue, toPlainJson, toScopeValue } from './index.js';

describe('toScopeValue', () => {
  it('deep-copies JSON data into frozen, null-prototype objects', () => {
    const source = { a: { b: [1, { c: 'x' }] } };
    const value = toScopeValue(source) as { a: { b: [number, { c: string }] } };
    expect(value).not.toBe(source);
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.getPrototypeOf(value.a.b[1])).toBeNull();
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.a.b)).toBe(true);
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
    expect(toPlainJson(value)).toEqual(source);
    source.a.b.push(2);
    expect(value.a.b).toHaveLength(2);
  });

  it('returns a value it already converted as is', () => {
    const value = toScopeValue({ a: 1 });
    expect(toScopeValue(value)).toBe(value);
    const wrapper = toScopeValue({ inner: value }) as { inner: unknown };
    expect(wrapper.inner).toBe(value);
    expect(isScopeValue(value)).toBe(true);
    expect(isScopeValue({ a: 1 })).toBe(false);
    expect(isScopeValue('text')).toBe(true);
  });

  it('follows JSON.stringify for what is not JSON', () => {
    const value = toScopeValue({
      date: new Date(0),
      fn: () => 1,
      undef: undefined,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      list: [() => 1, undefined, 2],
      boxed: new String('s'),
    });
    expect(toPlainJson(value)).toEqual({
      date: '1970-01-01T00:00:00.000Z',
      nan: null,
      inf: null,
      list: [null, null, 2],
      boxed: 's',
    });
    expect(toScopeValue(undefined)).toBeUndefined();
    expect(toScopeValue(() => 1)).toBeUndefined();
  });

  it('drops the keys jsonata reads as the mark of a function', () => {
    const value = toScopeValue({ f: { _jsonata_lambda: true, _jsonata_function: true, body: 1 } });
    expect(toPlainJson(value)).toEqual({ f: { body: 1 } });
  });

  it('keeps "__proto__" as a plain key', () => {
    const value = toScopeValue(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(value['x']).toBeUndefined();
  });

  it('refuses cycles and BigInts', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => toScopeValue(cyclic)).toThrow(WeftError);
    expect(() => toScopeValue({ n: 1n })).toThrow(/BigInt/);
    // Shared (not cyclic) references are fine.
    const shared = { x: 1 };
    expect(toPlainJson(toScopeValue([shared, shared]))).toEqual([{ x: 1 }, { x: 1 }]);
  });
});

describe('toPlainJson', () => {
  it('turns jsonata sequences and null-prototype objects into plain JSON', () => {
    const result = compileExpression('{"a": inputs.list.a, "k": inputs.list}').evaluate({
      inputs: toScopeValue({ list: [{ a: 1 }, { a: 2 }] }),
    });
    const plain = toPlainJson(result) as { a: number[]; k: unknown[] };
    expect(plain).toEqual({ a: [1, 2], k: [{ a: 1 }, { a: 2 }] });
    expect(Object.getPrototypeOf(plain.k[0])).toBe(Object.prototype);
    expect(Object.hasOwn(plain.a, 'sequence')).toBe(false);
    expect(
      JSON.stringify(
        compileExpression('inputs.list.a').evaluate({
          inputs: toScopeValue({ list: [{ a: 1 }, { a: 2 }] }),
        }),
      ),
    ).toBe('[1,2]');
  });

  it('keeps undefined at the top and refuses functions', () => {
    expect(toPlainJson(undefined)).toBeUndefined();
    expect(toPlainJson([undefined])).toEqual([null]);
    expect(toPlainJson({ a: undefined })).toEqual({});
    expect(() => toPlainJson(() => 1)).toThrow(WeftError);
    expect(() => toPlainJson({ f: compileExpression('function($x){ $x }').evaluate({}) })).toThrow(
      /function/,
    );
    expect(() => toPlainJson(compileExpression('$string').evaluate({}))).toThrow(/function/);
  });
});
