/**
 * @module dsl/positions
 * Maps a path into the definition back to a line and column of its source text. YAML lookups walk
 * the `yaml` document tree, which keeps source ranges. JSON text was read with JSON.parse, which
 * keeps none: its positions are indexed in one pass, and only when a diagnostic needs one (the
 * `yaml` parser could place JSON too, but takes seconds where this takes milliseconds).
 */
import { isAlias, isMap, isScalar, isSeq, Scalar, type LineCounter } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Locator } from './findings.js';

type Position = { line: number; column: number };

/** A locator over a composed `yaml` document and the LineCounter its parser fed. */
export function yamlLocator(doc: Document, lineCounter: LineCounter, text: string): Locator {
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    locate(path, target, offset) {
      let node: unknown = doc.contents;
      let last: YamlNode | undefined = isNodeWithRange(node) ? node : undefined;
      let keyNode: YamlNode | undefined;
      let complete = true;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i] as string | number;
        keyNode = undefined;
        // An alias stands for its anchor's content elsewhere; the alias itself is what sits here.
        if (isAlias(node) || node === null || node === undefined) {
          complete = false;
          break;
        }
        let next: unknown;
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isScalar(p.key) && String(p.key.value) === String(seg),
          );
          if (pair !== undefined) {
            keyNode = isNodeWithRange(pair.key) ? pair.key : undefined;
            next = pair.value ?? undefined;
            if (next === undefined && keyNode !== undefined) last = keyNode;
          }
        } else if (isSeq(node) && typeof seg === 'number') {
          next = node.items[seg];
        }
        if (next === undefined) {
          complete = false;
          break;
        }
        node = next;
        if (isNodeWithRange(node)) last = node;
      }
      if (complete && target === 'key' && keyNode?.range) return at(keyNode.range[0]);
      if (last?.range == null) return undefined;
      if (complete && offset !== undefined && isScalar(last) && last === node) {
        const inner = scalarOffset(last, text, offset);
        if (inner !== undefined) return at(inner);
      }
      return at(last.range[0]);
    },
  };
}

function isNodeWithRange(node: unknown): node is YamlNode {
  return (
    typeof node === 'object' &&
    node !== null &&
    'range' in node &&
    Array.isArray((node as YamlNode).range)
  );
}

/**
 * The source offset of the character at `offset` in a scalar's string value, when the scalar's
 * source maps character by character onto its value: single-line plain and quoted scalars, and
 * literal block scalars. Otherwise undefined (the caller falls back to the scalar's start).
 */
export function scalarOffset(node: Scalar, text: string, offset: number): number | undefined {
  const range = node.range;
  if (!range || typeof node.value !== 'string' || offset < 0 || offset > node.value.length)
    return undefined;
  const start = range[0];
  const src = text.slice(start, range[1]);
  switch (node.type) {
    case Scalar.PLAIN:
      return src.includes('\n') ? undefined : start + offset;
    case Scalar.QUOTE_SINGLE: {
      if (src.includes('\n')) return undefined;
      let i = 1;
      for (let v = 0; v < offset; v++) i += src[i] === "'" && src[i + 1] === "'" ? 2 : 1;
      return i < src.length ? start + i : undefined;
    }
    case Scalar.QUOTE_DOUBLE:
      return doubleQuotedOffset(text, start, offset);
    case Scalar.BLOCK_LITERAL: {
      // Literal content is verbatim apart from indentation: value line k is source line k after
      // the header, and ends the same way.
      const before = node.value.slice(0, offset);
      const k = before.split('\n').length - 1;
      const col = offset - (before.lastIndexOf('\n') + 1);
      const valueLine = node.value.split('\n')[k] ?? '';
      const srcLines = src.split('\n');
      const srcLine = srcLines[k + 1];
      if (srcLine === undefined || !srcLine.endsWith(valueLine)) return undefined;
      let lineStart = start;
      for (let j = 0; j <= k; j++) lineStart += (srcLines[j]?.length ?? 0) + 1;
      return lineStart + srcLine.length - valueLine.length + col;
    }
    case Scalar.BLOCK_FOLDED: // folding joins lines: no character-for-character map
    case undefined:
      return undefined;
  }
}

/**
 * The source offset of value character `offset` in the double-quoted string starting at `start`
 * (YAML or JSON escapes), or undefined when the string ends or spans lines first.
 */
export function doubleQuotedOffset(
  text: string,
  start: number,
  offset: number,
): number | undefined {
  let i = start + 1;
  for (let v = 0; v < offset; v++) {
    const c = text[i];
    if (c === undefined || c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === 'x') i += 4;
    else if (e === 'u') i += 6;
    else if (e === 'U') {
      // One code point beyond the BMP is two UTF-16 units of the value.
      if (Number.parseInt(text.slice(i + 2, i + 10), 16) > 0xffff) v++;
      i += 10;
    } else i += 2;
  }
  return text[i] === '\n' ? undefined : i;
}

/**
 * A locator for JSON text parsed with JSON.parse: on first use, one pass over the (already
 * validated) text records where each value and key starts.
 */
export function lazyJsonLocator(text: string): Locator {
  let index: JsonIndex | undefined;
  return {
    locate(path, target, offset) {
      index ??= indexJson(text);
      let key = '';
      let span = index.spans.get(key);
      let complete = true;
      for (const seg of path) {
        key += `\u0000${String(seg)}`;
        const next = index.spans.get(key);
        if (next === undefined) {
          complete = false;
          break;
        }
        span = next;
      }
      if (span === undefined) return undefined;
      let at = span.value;
      if (complete && target === 'key' && span.key !== undefined) at = span.key;
      else if (complete && offset !== undefined && text[span.value] === '"') {
        at = doubleQuotedOffset(text, span.value, offset) ?? span.value;
      }
      return index.position(at);
    },
  };
}

interface JsonIndex {
  /** By path (segments each prefixed with NUL): where the value, and its key, start. */
  spans: Map<string, { value: number; key?: number }>;
  position(offset: number): { line: number; column: number };
}

function indexJson(text: string): JsonIndex {
  const spans = new Map<string, { value: number; key?: number }>();
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const skipString = (): void => {
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
  };
  // Recursion is bounded: the text's depth was checked before JSON.parse accepted it.
  const value = (path: string, keyAt: number | undefined): void => {
    ws();
    spans.set(path, keyAt === undefined ? { value: i } : { value: i, key: keyAt });
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (text[i] === '"') {
        const k = i;
        skipString();
        const name = JSON.parse(text.slice(k, i)) as string;
        ws();
        i++; // ':'
        value(`${path}\u0000${name}`, k);
        ws();
        if (text[i] === ',') {
          i++;
          ws();
        }
      }
      i++; // '}'
    } else if (c === '[') {
      i++;
      ws();
      for (let n = 0; text[i] !== ']' && i < text.length; n++) {
        value(`${path}\u0000${n}`, undefined);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++; // ']'
    } else if (c === '"') skipString();
    else while (i < text.length && !',]} \t\r\n'.includes(text[i] as string)) i++;
  };
  value('', undefined);

  const lineStarts = [0];
  for (let n = text.indexOf('\n'); n !== -1; n = text.indexOf('\n', n + 1)) lineStarts.push(n + 1);
  return {
    spans,
    position(offset) {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((lineStarts[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
    },
  };
}
