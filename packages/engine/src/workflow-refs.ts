/**
 * @module workflow-refs
 * Workflow references (`subworkflow` and `foreach` `with.workflow`) written in a definition, and
 * those that name a file rather than a stored workflow. Workflow ids are `[a-z0-9][a-z0-9_-]*`,
 * so a reference with a `/` or a `.yaml`, `.yml` or `.json` ending can only ever be a file path:
 * only a resolver that reads files (the CLI's `weft run FILE`) can run it.
 */
import {
  formatPath,
  WeftError,
  type Diagnostic,
  type NodeDefinition,
  type WorkflowDefinition,
} from '@weft/core';

/** Node types whose `with.workflow` names a workflow to run as a child. */
const CALLERS = new Set(['subworkflow', 'foreach']);

/** True when a workflow reference is a file path, never a workflow id. */
export const looksLikeFilePath = (ref: string): boolean =>
  ref.includes('/') || /\.(ya?ml|json)$/i.test(ref);

/** A `workflow` written as it is (not a template) in a node's `with`, where it is written. */
export interface WorkflowReference {
  /** Where in the definition, e.g. `nodes[2].with.workflow`. */
  path: string;
  ref: string;
  /** The pinned `version`, if any. */
  version?: number;
}

/** Every literal workflow reference of the definition, nested bodies included, in node order. */
export function workflowReferences(definition: WorkflowDefinition): WorkflowReference[] {
  const found: WorkflowReference[] = [];
  const walk = (nodes: readonly NodeDefinition[], at: readonly (string | number)[]) => {
    nodes.forEach((node, i) => {
      const here = [...at, 'nodes', i];
      const ref = node.with?.['workflow'];
      // A template (`{{ ... }}`) is known only at run time: the resolver sees it then.
      if (CALLERS.has(node.type) && typeof ref === 'string' && !ref.includes('{{')) {
        const version = node.with?.['version'];
        found.push({
          path: formatPath([...here, 'with', 'workflow']),
          ref,
          ...(typeof version === 'number' ? { version } : {}),
        });
      }
      if (node.nodes !== undefined) walk(node.nodes, here);
    });
  };
  walk(definition.nodes, []);
  return found;
}

/** Every literal file-path reference in the definition, with its path (`nodes[2].with.workflow`). */
export function fileReferences(definition: WorkflowDefinition): { path: string; ref: string }[] {
  return workflowReferences(definition)
    .filter((r) => looksLikeFilePath(r.ref))
    .map(({ path, ref }) => ({ path, ref }));
}

/**
 * Refuses a definition that names workflows by file path, for an engine that cannot read files:
 * stored as it is, every run of it would fail later with `no workflow "./x.yaml"`.
 * @throws WeftError `invalid_definition` (422), one detail per reference
 */
export function refuseFileReferences(definition: WorkflowDefinition): void {
  const refs = fileReferences(definition);
  if (refs.length === 0) return;
  const details: Diagnostic[] = refs.map((r) => ({
    path: r.path,
    message:
      'a file path cannot be resolved on the server; publish that workflow and name it by id',
  }));
  throw new WeftError(
    'invalid_definition',
    `invalid definition: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    { details },
  );
}
