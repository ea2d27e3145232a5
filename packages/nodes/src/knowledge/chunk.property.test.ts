/**
 * Chunking as properties over any text, size and overlap: the chunks cover the text in order, each
 * is at most `size` long, neighbours share at most `overlap` characters and never leave a gap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk.js';

const words = fc
  .array(
    fc.constantFrom('alpha', 'be', 'c', 'delta.', 'echo!', ' ', '\n\n', '  ', 'x'.repeat(30)),
    {
      maxLength: 200,
    },
  )
  .map((parts) => parts.join(' '));
const texts = fc.oneof(fc.string({ maxLength: 2000 }), words);
const sizes = fc
  .integer({ min: 1, max: 300 })
  .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));

describe('chunkText', () => {
  it('covers the text with chunks of at most size, overlapping by at most overlap', () => {
    fc.assert(
      fc.property(texts, sizes, (text, [size, overlap]) => {
        const chunks = chunkText(text, size, overlap);
        if (text.length === 0) {
          expect(chunks).toEqual([]);
          return;
        }
        expect(chunks[0]?.start).toBe(0);
        expect(chunks[chunks.length - 1]?.end).toBe(text.length);
        chunks.forEach((c, i) => {
          expect(c.text).toBe(text.slice(c.start, c.end));
          expect(c.end - c.start).toBeGreaterThan(0);
          expect(c.end - c.start).toBeLessThanOrEqual(size);
          const next = chunks[i + 1];
          if (next === undefined) return;
          expect(next.start).toBeGreaterThan(c.start);
          expect(next.start).toBeLessThanOrEqual(c.end);
          expect(c.end - next.start).toBeLessThanOrEqual(overlap);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('cuts at paragraph and sentence ends where it can', () => {
    const text = `${'a'.repeat(60)}.\n\n${'b'.repeat(30)}. ${'c'.repeat(30)}`;
    const chunks = chunkText(text, 80, 0);
    expect(chunks.map((c) => c.text)).toEqual([
      `${'a'.repeat(60)}.\n\n`,
      `${'b'.repeat(30)}. ${'c'.repeat(30)}`,
    ]);
    const sentences = chunkText('One two. Three four. Five six seven.', 22, 6);
    expect(sentences.map((c) => c.text)).toEqual([
      'One two. Three four. ',
      'four. Five six seven.',
    ]);
  });
});
