/**
 * @module importers/sw/context
 * What the exporter hands each node's translation (tasks.ts): where to report, and a way back to
 * translate a nested body.
 */
import type { EdgeDefinition, NodeDefinition } from '@weft/core';
import type { Build } from '../graph.js';
import type { Note, Path } from '../problems.js';
import type { JqScope } from './jq.js';

export type Task = Record<string, unknown>;

export interface Level {
  nodes: readonly NodeDefinition[];
  edges: readonly EdgeDefinition[];
}

export interface ExportContext {
  build: Build;
  notes: Note[];
  /** Lists a node's part that does not map, at its place in the Weft file. */
  leaveOut(node: NodeDefinition, path: Path, reason: string): void;
  tasksOf(
    level: Level,
    path: Path,
    scope: JqScope,
    doPath: Path,
    first: number,
  ): Record<string, Task>[];
}
