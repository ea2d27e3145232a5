/**
 * @module importers/source
 * A file to translate, read as JSON or YAML (one parser for both: JSON is YAML 1.2), keeping where
 * each value sits so that a problem can be named with its line and column.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { TranslateError, type Path, type Position } from './problems.js';

export type { Path, Position, Segment } from './problems.js';

/** A parsed source: its value and the position of any path in it. */
export interface Source {
  value: unknown;
  /** The line and column where the value at `path` starts (of its nearest placed ancestor). */
  at(path: Path): Position;
}

/** Bigger sources are refused before parsing (a canvas with inline icons stays far below). */
export const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/**
 * Parses JSON or YAML text.
 * @throws TranslateError naming the line and column of a syntax error, or an empty or oversized file
 */
export function readSource(text: string, what: string): Source {
  if (Buffer.byteLength(text, 'utf8') > MAX_SOURCE_BYTES) {
    throw new TranslateError(`${what} is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB`, {
      line: 1,
      column: 1,
    });
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') throw new TranslateError(`${what} is empty`, { line: 1, column: 1 });
  const lines = new LineCounter();
  const doc = parseDocument(body, { lineCounter: lines, uniqueKeys: false });
  const place = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const error = doc.errors[0];
  if (error !== undefined) {
    const kind = /^\s*[{[]/.test(body) ? 'JSON' : 'YAML';
    throw new TranslateError(
      `${what} is not valid ${kind}: ${error.message.split('\n')[0] ?? ''}`,
      place(error.pos[0]),
    );
  }
  return {
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
    at(path) {
      let node: unknown = doc.contents;
      let placed: YamlNode | undefined = rangeOf(node) ? node : undefined;
      for (const seg of path) {
        let next: unknown;
        if (isMap(node)) {
          next = node.items.find(
            (p) => isScalar(p.key) && String(p.key.value) === String(seg),
          )?.value;
        } else if (isSeq(node) && typeof seg === 'number') {
          next = node.items[seg];
        }
        if (next === undefined || next === null) break;
        node = next;
        if (rangeOf(node)) placed = node;
      }
      return place(placed?.range?.[0] ?? 0);
    },
  };
}

function rangeOf(node: unknown): node is YamlNode {
  return typeof node === 'object' && node !== null && Array.isArray((node as YamlNode).range);
}
