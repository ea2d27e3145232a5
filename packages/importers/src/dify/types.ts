/**
 * @module importers/dify/types
 * What translating one Dify node gives (nodes.ts, http.ts, branches.ts) and what it is given.
 */
import { pathExpr } from '../expr.js';
import type { Build, WeftNode } from '../graph.js';
import type { DifyNode } from './dsl.js';

export interface Translated {
  nodes: WeftNode[];
  entry: string;
  exit(handle: string | undefined): { from: string; port?: string };
  output(steps: string[]): string;
}

export interface NodeContext {
  build: Build;
  node: DifyNode;
  id: string;
  /** A value selector `[node, var, ...]` as an expression; undefined when it does not resolve. */
  select(selector: unknown): string | undefined;
  /** A Dify template (`{{#node.var#}}`) as a Weft template; a note on `weft`'s `key` for refs that do not resolve. */
  template(text: unknown, weft: WeftNode, key: string): string;
}

export const simple = (
  id: string,
  nodes: WeftNode[],
  output: (steps: string[]) => string,
): Translated => ({
  nodes,
  entry: id,
  exit: () => ({ from: id }),
  output,
});

/** `id.name.rest` for the output `name` under `base`. */
export const under = (base: string) => (steps: string[]) => pathExpr(base, steps);
