/**
 * @module importers/astron/types
 * What translating one astron-agent node gives (nodes.ts) and what it is given.
 */
import type { Build, Level, WeftNode } from '../graph.js';
import type { CanvasNode } from './canvas.js';
import type { Inputs } from './refs.js';

/**
 * The Weft nodes of one astron node: which one edges arrive at, which node and port an edge
 * leaves from for a source handle (a branch's case, a decision's intent, an answer option), and
 * the expression of each output.
 */
export interface Translated {
  nodes: WeftNode[];
  /** The node edges arrive at. */
  entry: string;
  /** The node and port an edge leaves from, for the edge's source handle. */
  exit(handle: string | undefined): { from: string; port?: string };
  /** Expression of the node's output `name`. */
  output(name: string): string;
}

export interface NodeContext {
  build: Build;
  node: CanvasNode;
  id: string;
  inputs: Inputs;
  /** The body of an iteration node, translated. */
  body?: () => { level: Level; single: boolean };
}
