import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/ids.js';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond time an id carries. */
const timeOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('uuidv7', () => {
  it('makes unique, strictly increasing UUIDv7 ids across many refills of the random pool', () => {
    const ids = Array.from({ length: 100_000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 0; i < ids.length; i++) {
      if (!UUIDV7.test(ids[i]!)) expect.fail(`${ids[i]} is not a UUIDv7`);
      if (i > 0 && !(ids[i]! > ids[i - 1]!)) expect.fail(`${ids[i]} follows ${ids[i - 1]}`);
    }
  });

  it('carries the time it is given, and the random part differs between ids', () => {
    const at = Date.UTC(2100, 0, 1);
    const a = uuidv7(at);
    const b = uuidv7(at + 1);
    expect(timeOf(a)).toBe(at);
    expect(timeOf(b)).toBe(at + 1);
    expect(a.slice(19)).not.toBe(b.slice(19));
  });

  it('stays increasing when the clock goes back or stands still for more than 4,096 ids', () => {
    const base = Date.UTC(2200, 0, 1);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 5000 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (steps) => {
          let previous = uuidv7(base);
          let now = base;
          for (const [move, count] of steps) {
            now += move;
            for (let i = 0; i < count; i++) {
              const id = uuidv7(now);
              if (!UUIDV7.test(id)) expect.fail(`${id} is not a UUIDv7`);
              // Never earlier than the clock said, and always after the previous id.
              if (timeOf(id) < now) expect.fail(`${id} is earlier than ${now}`);
              if (!(id > previous)) expect.fail(`${id} follows ${previous}`);
              previous = id;
            }
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
