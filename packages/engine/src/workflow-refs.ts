/**
 * @module workflow-refs
 * Workflow references (`subworkflow` and `foreach` `with.workflow`) that name a file rather than
 * a stored workflow. Workflow ids are `[a-z0-9][a-z0-9_-]*`, so a reference with a `/` or a
 * `.yaml`, `.yml` or `.json` ending can only ever be a file path: only a resolver that reads
 * files (the CLI's `weft run FILE`) can run it.
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

/** Every literal file-path reference in the definition, with its path (`nodes[2].with.workflow`). */
export function fileReferences(definition: WorkflowDefinition): { path: string; ref: string }[] {
  const found: { path: string; ref: string }[] = [];
  const walk = (nodes: readonly NodeDefinition[], at: readonly (string | number)[]) => {
    nodes.forEach((node, i) => {
      const here = [...at, 'nodes', i];
      const ref = node.with?.['workflow'];
      // A template (`{{ ... }}`) is known only at run time: the resolver sees it then.
      if (CALLERS.has(node.type) && typeof ref === 'string' && !ref.includes('{{')) {
        if (looksLikeFilePath(ref))
          found.push({ path: formatPath([...here, 'with', 'workflow']), ref });
      }
      if (node.nodes !== undefined) walk(node.nodes, here);
    });
  };
  walk(definition.nodes, []);
  return found;
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
