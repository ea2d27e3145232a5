/**
 * Issue #17 §6: pieces of a secret left by a cut. Whole secrets were masked, but a text cut short
 * (an excerpt) could end in the secret's first characters, which no longer matched.
 */
import { describe, expect, it } from 'vitest';
import { createRedactor, MIN_PIECE_LENGTH } from './redact.js';
import { excerpt } from './response.js';

const SECRET = 'sk-live-0a1b2c3d4e5f6g7h8i9j';
const redact = createRedactor([SECRET]);

describe('pieces of a secret at a cut', () => {
  it.each([8, 9, 15, SECRET.length - 1])('masks its first %i characters at the end', (n) => {
    const out = redact.text(`error: ${SECRET.slice(0, n)}`);
    expect(out).toBe('error: [redacted]');
  });

  it.each([8, 12, SECRET.length - 1])('masks its last %i characters at the start', (n) => {
    expect(redact.text(`${SECRET.slice(-n)} rest`)).toBe('[redacted] rest');
  });

  it('masks pieces on either side of an ellipsis, the mark of a cut', () => {
    const text = `a ${SECRET.slice(0, 10)}… (40 more characters) and …${SECRET.slice(-9)} b`;
    expect(redact.text(text)).toBe('a [redacted]… (40 more characters) and …[redacted] b');
  });

  it(`leaves pieces shorter than ${MIN_PIECE_LENGTH} characters, and ordinary text, alone`, () => {
    const short = SECRET.slice(0, MIN_PIECE_LENGTH - 1);
    expect(redact.text(`x ${short}`)).toBe(`x ${short}`);
    expect(redact.text('nothing secret here')).toBe('nothing secret here');
  });

  it('redacting before the cut leaves no piece of 8 in any excerpt', () => {
    for (let at = 0; at <= SECRET.length; at++) {
      const body = `${'z'.repeat(1024 - at)}${SECRET}${'z'.repeat(50)}`;
      const cut = excerpt(redact.text(body));
      for (let i = 0; i + 8 <= SECRET.length; i++)
        expect(cut).not.toContain(SECRET.slice(i, i + 8));
    }
  });

  it('masks a piece in a value walked for output', () => {
    expect(redact.value({ msg: `tail ${SECRET.slice(0, 12)}` })).toEqual({
      msg: 'tail [redacted]',
    });
  });
});
