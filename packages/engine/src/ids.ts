/**
 * @module ids
 * Run ids: UUIDv7, so that ids sort by creation time.
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes are drawn 4 KiB at a time and used 8 per id: one system call per 512 ids. */
const POOL = Buffer.allocUnsafe(4096);
let used = POOL.length;

// Hex by table: Number#toString(16) of a 48-bit time costs more than the rest of an id.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_DIGIT = '0123456789abcdef';

/** The 12-bit counter that orders ids within one millisecond. */
const MAX_COUNTER = 0xfff;

let lastMs = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then a 12-bit counter (method 1), then 62 random
 * bits. Ids made by this process are strictly increasing, as strings too, even when the clock goes
 * back or more than 4,096 ids are made in one millisecond (the time then runs ahead a little).
 */
export function uuidv7(now = Date.now()): string {
  if (now <= lastMs) {
    now = lastMs;
    if (++counter > MAX_COUNTER) {
      now = ++lastMs;
      counter = 0;
    }
  } else {
    lastMs = now;
    counter = 0;
  }
  if (used + 8 > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const r = used;
  used += 8;
  const hi = Math.floor(now / 0x1000000);
  const lo = now % 0x1000000;
  return (
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    HEX[(lo >>> 16) & 0xff]! +
    '-' +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]! +
    '-7' +
    HEX_DIGIT[counter >>> 8]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (POOL[r]! & 0x3f)]! +
    HEX[POOL[r + 1]!]! +
    '-' +
    HEX[POOL[r + 2]!]! +
    HEX[POOL[r + 3]!]! +
    HEX[POOL[r + 4]!]! +
    HEX[POOL[r + 5]!]! +
    HEX[POOL[r + 6]!]! +
    HEX[POOL[r + 7]!]!
  );
}
