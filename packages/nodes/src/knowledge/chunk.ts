/**
 * @module knowledge/chunk
 * Splits text into chunks of at most `size` characters, each next one starting at most `overlap`
 * characters before the end of the one before, so that a sentence cut at a chunk's end is whole in
 * the next. A chunk ends at a paragraph break where one falls in its second half, else at a
 * sentence's end, else after a space, else at `size`.
 */

/** One chunk: `text` is the input's characters from `start` to `end`. */
export interface Chunk {
  text: string;
  start: number;
  end: number;
}

/** Where to cut, most preferred first: after a blank line, a sentence's end, any white space. */
const BREAKS = [/\n\s*\n/g, /[.!?。！？]["')\]]*\s/g, /\s/g];

/**
 * @param size - at most this many characters per chunk (≥ 1).
 * @param overlap - at most this many characters shared by neighbours (0 ≤ overlap < size).
 * @returns the chunks in order: together they cover the text; none for an empty text.
 */
export function chunkText(text: string, size: number, overlap: number): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < text.length) {
    const end = chunkEnd(text, start, size);
    chunks.push({ text: text.slice(start, end), start, end });
    if (end >= text.length) break;
    start = Math.max(nextStart(text, end, overlap), start + 1);
  }
  return chunks;
}

/** The end of the chunk from `start`: the last preferred break in its second half, or the limit. */
function chunkEnd(text: string, start: number, size: number): number {
  const limit = Math.min(start + size, text.length);
  if (limit === text.length) return limit;
  const window = text.slice(start, limit);
  const earliest = Math.floor(size / 2);
  for (const pattern of BREAKS) {
    let cut = -1;
    for (const m of window.matchAll(pattern)) {
      const after = m.index + m[0].length;
      if (after >= earliest && after <= window.length) cut = after;
    }
    if (cut > 0) return start + cut;
  }
  return limit;
}

/** Where the next chunk starts: `overlap` before `end`, moved on to the start of a word. */
function nextStart(text: string, end: number, overlap: number): number {
  const from = end - overlap;
  if (overlap === 0) return end;
  const space = text.slice(from, end).search(/\s\S/);
  return space < 0 ? from : from + space + 1;
}
