/**
 * @module dsl/positions
 * Maps a path into the definition back to a line and column of its source text. Lookups walk the
 * `yaml` document tree, which keeps source ranges; JSON text is parsed into such a tree only when
 * a diagnostic needs a position (JSON is YAML 1.2 flow syntax, so one walker serves both).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
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
    case Scalar.QUOTE_DOUBLE: {
      if (src.includes('\n')) return undefined;
      let i = 1;
      let v = 0;
      while (v < offset && i < src.length) {
        if (src[i] !== '\\') {
          i++;
          v++;
          continue;
        }
        const e = src[i + 1];
        if (e === 'x') i += 4;
        else if (e === 'u') i += 6;
        else if (e === 'U') {
          const cp = Number.parseInt(src.slice(i + 2, i + 10), 16);
          i += 10;
          if (cp > 0xffff) v++;
        } else i += 2;
        v++;
      }
      return v === offset && i < src.length ? start + i : undefined;
    }
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

/** A locator built on first use; for JSON text parsed with JSON.parse. */
export function lazyJsonLocator(text: string): Locator {
  let inner: Locator | undefined;
  return {
    locate(path, target, offset) {
      if (inner === undefined) {
        const lineCounter = new LineCounter();
        // Positions only: duplicate keys and the like were judged by JSON.parse already.
        const doc = parseDocument(text, {
          lineCounter,
          uniqueKeys: false,
          keepSourceTokens: false,
        });
        inner = yamlLocator(doc, lineCounter, text);
      }
      return inner.locate(path, target, offset);
    },
  };
}
