/**
 * @module importers/problems
 * What a translation reports: the input it could not read at all (an error with a position), and
 * for what it did read, the parts it left out and the parts it approximated.
 */
export type Segment = string | number;
/** Where a value is in a document: keys and list indexes from its root. */
export type Path = readonly Segment[];
/** A 1-based line and column in a file. */
export interface Position {
  line: number;
  column: number;
}

/** The input cannot be translated at all: not JSON or YAML, or not the expected format. */
export class TranslateError extends Error {
  constructor(
    message: string,
    readonly position: Position,
  ) {
    super(message);
    this.name = 'TranslateError';
  }
}

/** A part of the input that has no translation and was left out of the output. */
export interface Unsupported {
  /** The node's id in the input (or the expression's owner). */
  id: string;
  /** Its title in the input, when it has one. */
  title?: string;
  /** Its kind in the input (`database`, `tool`, ...), or `expression`. */
  kind: string;
  /** Where it is in the input file (import) or in the definition (export). */
  position?: Position;
  /** Why it was left out. */
  reason: string;
}

/** A comment to write before the value at `path` of the output: what was approximated, and how. */
export interface Note {
  path: Path;
  text: string;
}

/** The outcome of a translation: the document, what it approximated and what it left out. */
export interface Translation {
  document: Record<string, unknown>;
  notes: Note[];
  unsupported: Unsupported[];
}

/** `kind node id "title" at line:column: reason` (`expression in id ...` for an expression). */
export function describeUnsupported(u: Unsupported): string {
  const where = u.position === undefined ? '' : ` at ${u.position.line}:${u.position.column}`;
  const title = u.title !== undefined && u.title !== '' && u.title !== u.id ? ` "${u.title}"` : '';
  const what =
    u.kind === 'expression' || u.kind === 'reference'
      ? `${u.kind} in ${u.id}${title}`
      : `${u.kind} node ${u.id}${title}`;
  return `${what}${where}: ${u.reason}`;
}
