/**
 * @module importers/yaml-out
 * A translated document as YAML text, with each note written as a comment just before the value
 * it is about (a node of the list, or a key of a map).
 */
import { Document, isMap, isScalar, isSeq } from 'yaml';
import type { Note } from './problems.js';

/**
 * YAML text of `document`; `header` lines come first as comments.
 * @example toYaml({ id: 'a', nodes: [] }, [{ path: ['nodes'], text: 'empty' }], ['imported'])
 */
export function toYaml(
  document: Record<string, unknown>,
  notes: readonly Note[],
  header: readonly string[] = [],
): string {
  const doc = new Document(document);
  if (header.length > 0) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  for (const note of notes) attach(doc, note);
  return doc.toString({ lineWidth: 100 });
}

function attach(doc: Document, note: Note): void {
  const text = note.text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  const parentPath = note.path.slice(0, -1);
  const last = note.path.at(-1);
  const parent: unknown = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  let target: { commentBefore?: string | null } | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    if (pair !== undefined && isScalar(pair.key)) target = pair.key;
  } else if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last];
    if (isScalar(item) || isMap(item) || isSeq(item)) target = item;
  }
  // A note whose place is gone (a value dropped later) goes at the top rather than nowhere.
  target ??= doc as unknown as { commentBefore?: string | null };
  target.commentBefore = target.commentBefore ? `${target.commentBefore}\n${text}` : text;
}
