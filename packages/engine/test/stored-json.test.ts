/**
 * What a node hands its run enters as JSON within the limits: properties over random JSON data,
 * and random nesting on either side of the depth limit.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { toStoredJson } from '../src/runtime/stored-json.js';

const limits = { maxBytes: 1024 * 1024, maxDepth: 8 };

/** Nesting of arrays and objects in a JSON value, counted without recursion. */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, d] = top;
    if (typeof v !== 'object' || v === null) continue;
    max = Math.max(max, d + 1);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

it('gives a top-level -0 back as JSON does, as 0', () => {
  expect(Object.is(toStoredJson(-0, limits, 'output of x'), 0)).toBe(true);
});

it('JSON data within the limits comes back as the same data', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
      fc.pre(depthOf(value) <= limits.maxDepth);
      expect(toStoredJson(value, limits, 'output of x')).toEqual(JSON.parse(JSON.stringify(value)));
    }),
  );
});

it('a value nested past the limit is refused naming maxDepth, however it nests', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('array', 'object'), { minLength: 9, maxLength: 200 }),
      fc.jsonValue({ maxDepth: 0 }),
      (shells, leaf) => {
        let value: unknown = leaf;
        for (const shell of shells) value = shell === 'array' ? [value] : { k: value };
        expect(() => toStoredJson(value, limits, 'output of x')).toThrow(
          expect.objectContaining({
            code: 'output_too_large',
            message: expect.stringContaining('maxDepth = 8'),
          }),
        );
      },
    ),
  );
});

it('strings that look like brackets do not count as nesting', () => {
  const value = { text: '[[[[[[[[[[[[{{{{{{{{{{"\\\\' };
  expect(toStoredJson(value, limits, 'output of x')).toEqual(value);
});
