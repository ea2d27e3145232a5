/**
 * @module cli/test-node-command
 * `weft test-node FILE NODE [--scope JSON | --scope @file.json]`: runs one node of a workflow
 * alone, nothing stored, in this process (with the credentials of the local database) or on a
 * server (`--server URL`); prints its output as JSON. Exit 0 when the node succeeded, 1 when it
 * failed, 2 for an invalid definition, scope or node.
 */
import { NodeRegistry, parseDefinition, WeftError } from '@weft/core';
import type { NodeTestResult } from '@weft/core/client';
import { standardNodes } from '@weft/nodes';
import { CliError, EXIT } from './exit-codes.js';
import { failureText } from './failure.js';
import { formatDiagnostic, formatError } from './format.js';
import { readInput, readText } from './io.js';
import { withTarget, type TargetArgs } from './target.js';

export interface TestNodeArgs extends TargetArgs {
  file: string;
  node: string;
  scope?: string | undefined;
  /** Print the whole answer (`status`, `output` or `error`, `duration_ms`). */
  json: boolean;
}

export async function testNodeCommand(a: TestNodeArgs): Promise<number> {
  const text = await readText(a.file);
  const scope = await readInput(a.scope, '--scope');
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
    throw new CliError('--scope must be a JSON object (e.g. {"inputs": {"id": 7}})', EXIT.invalid);
  }
  // An invalid definition is reported before any database is opened (or created); a server given
  // with --server checks it with its own node types instead.
  if (a.server === undefined) {
    const checked = parseDefinition(text, { registry: new NodeRegistry(standardNodes) });
    if (!checked.ok) throw invalidDefinition(a.file, checked.diagnostics);
  }
  const result = await withTarget(a, { mode: 'write' }, async (t) => {
    try {
      return await t.client.nodes.test({
        definition: text,
        node: a.node,
        scope: scope as Record<string, unknown>,
      });
    } catch (e) {
      if (WeftError.is(e) && e.code === 'invalid_definition' && Array.isArray(e.details)) {
        throw invalidDefinition(a.file, e.details as Parameters<typeof formatDiagnostic>[1][]);
      }
      // A node the workflow does not have, a bad scope: what the user gave (2), as usage is.
      if (WeftError.is(e) && e.code === 'invalid_request') {
        throw new CliError(failureText(e), EXIT.invalid);
      }
      throw e;
    }
  });
  return report(result, a);
}

function invalidDefinition(file: string, diagnostics: Parameters<typeof formatDiagnostic>[1][]) {
  return new CliError(diagnostics.map((d) => formatDiagnostic(file, d)).join('\n'), EXIT.invalid);
}

function report(r: NodeTestResult, a: TestNodeArgs): number {
  if (a.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  if (r.when === false) {
    process.stderr.write(`node ${a.node}: its when is false, so a run would skip it\n`);
  }
  if (r.status === 'failed') {
    process.stderr.write(`node ${a.node} failed in ${r.duration_ms}ms: ${formatError(r.error)}\n`);
    return EXIT.failed;
  }
  if (!a.json) process.stdout.write(`${JSON.stringify(r.output ?? null, null, 2)}\n`);
  const port = r.port === undefined ? '' : `, took port ${r.port}`;
  process.stderr.write(`node ${a.node} succeeded in ${r.duration_ms}ms${port}\n`);
  return EXIT.ok;
}
