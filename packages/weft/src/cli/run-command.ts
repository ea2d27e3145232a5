/**
 * @module cli/run-command
 * `weft run FILE`: publishes the workflow and runs it, shows live progress per node on stderr,
 * and prints the outputs (or with --json the run) on stdout. The run goes on in this process on
 * the embedded store, or on a server: `--server URL`, or the `weft serve` that holds `--db`; or,
 * on PostgreSQL (`--postgres URL`), on the workers of that database, which this process follows.
 */
import { NodeRegistry, parseDefinition } from '@weft/core';
import { standardNodes } from '@weft/nodes';
import { CliError, EXIT } from './exit-codes.js';
import { follow } from './follow.js';
import { formatDiagnostic } from './format.js';
import { readInput, readText } from './io.js';
import { LocalFiles } from './local-files.js';
import { publishFile } from './publish-command.js';
import { syncFrom } from './store-options.js';
import { withTarget, type TargetArgs } from './target.js';

export interface RunArgs extends TargetArgs {
  file: string;
  input?: string;
  json: boolean;
  /** `--sync full|normal`. */
  sync?: string;
}

export async function runCommand(a: RunArgs): Promise<number> {
  if (a.sync !== undefined && a.server !== undefined) {
    throw new CliError(
      '--sync sets the durability of the local database: on a server, weft serve --sync sets it',
      EXIT.invalid,
    );
  }
  if (a.sync !== undefined && a.postgres !== undefined) {
    throw new CliError(
      '--sync sets the durability of the local database: PostgreSQL keeps its own',
      EXIT.invalid,
    );
  }
  const synchronous = syncFrom(a.sync, process.env);
  const text = await readText(a.file);
  const input = await readInput(a.input);
  // An invalid definition is reported before any database is opened (or created). A server
  // given with --server checks it with its own node types instead.
  if (a.server === undefined) {
    const checked = parseDefinition(text, { registry: new NodeRegistry(standardNodes) });
    if (!checked.ok) {
      throw new CliError(
        checked.diagnostics.map((d) => formatDiagnostic(a.file, d)).join('\n'),
        EXIT.invalid,
      );
    }
  }
  const files = new LocalFiles();
  const target = { ...a, synchronous };
  // The workers of a PostgreSQL database start the children, and cannot read this machine's files.
  const resolveWorkflow = a.postgres === undefined ? { resolveWorkflow: files.resolver } : {};
  return withTarget(target, { mode: 'run', ...resolveWorkflow }, async (t) => {
    files.attach(t.client);
    const { id: workflow, version } = await publishFile(t.client, a.file, text);
    files.remember(workflow, a.file);
    const { id } = await t.client.runs.start(workflow, { input, version });
    if (t.server !== undefined) process.stderr.write(`run ${id} started on ${t.server}\n`);
    if (t.onWorkers === true) process.stderr.write(`run ${id} started for the workers\n`);
    return follow(t, id, { json: a.json, after: 0 });
  });
}
