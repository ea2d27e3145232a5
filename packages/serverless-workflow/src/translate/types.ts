/**
 * @module translate/types
 * The shapes the translator works in: the Weft graph it builds (nodes and edges, one level per
 * graph or loop body) and the flow between tasks (the exits that leave a task, and where each goes).
 */

/** A place in the document, as segments (numbers for array indexes). */
export type Path = (string | number)[];
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export interface WeftNode {
  id: string;
  type: string;
  name?: string;
  description?: string;
  with?: Obj;
  join?: 'any';
  on_error?: 'branch';
  retry?: Obj;
  nodes?: WeftNode[];
  edges?: WeftEdge[];
}

export interface WeftEdge {
  from: string;
  port?: string;
  to: string;
}

/** Where control leaves a node, and the expressions (JSONata, over the scope) of its data. */
export interface Exit {
  from: string;
  port?: string;
  /** The SW data after it. */
  data: string;
  /** `$context` after it, when an `export` set it. */
  context?: string;
  /** The condition that control left this way, when the node's presence does not say it. */
  taken?: string;
}

/** An exit and where it goes: `continue`, `exit`, `end` or a task's name. */
export interface Out {
  directive: string;
  exit: Exit;
}

/** What compiling tasks yields: the exits that go on, and those that `end` the workflow. */
export interface Compiled {
  outs: Out[];
  ends: Exit[];
}

export const nothing = (): Compiled => ({ outs: [], ends: [] });

export interface Level {
  nodes: WeftNode[];
  edges: WeftEdge[];
}

export interface Scope {
  level: Level;
  /** Templates of the variables a task's expressions see (`$workflow`, a `for`'s item...). */
  vars: Obj;
  /** Inside a `for` body: `end` cannot leave the loop, so it ends the iteration. */
  inLoop: boolean;
}

/** A task where it stands: `path` places findings, `pointer` is its reference (`/do/0/setRed`). */
export interface Site {
  name: string;
  task: Obj;
  path: Path;
  pointer: string;
}

/** What the walker works out around a task before its family compiles it. */
export interface Frame {
  /** Where the flow goes after it: `continue`, `exit`, `end` or a task's name. */
  then: string;
  /** Its `input`/`output` filters and schemas, as node parameters. */
  filters: Obj;
  /** The way past it when its `if` did not hold. */
  skipped: Out[];
}
