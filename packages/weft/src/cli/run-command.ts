/**
 * @module cli/run-command
 * `weft run FILE`: publishes the workflow and runs it, shows live progress per node on stderr,
 * and prints the outputs (or with --json the run) on stdout. The run goes on in this process on
 * the embedded store, or on a server: `--server URL`, or the `weft serve` that holds `--db`; or,
 * on PostgreSQL (`--postgres URL`), on the workers of that database, which this process follows.
 */
import { NodeRegistry, WeftError } from '@weft/core';
import { validateWorkflow } from '@weft/engine';
import type { WeftClient } from '@weft/core/client';
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
    const checked = validateWorkflow(text, { registry: new NodeRegistry(standardNodes) });
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
    const started = await t.client.runs.start(workflow, { input, version });
    const id = started.id;
    if (started.skipped === true) {
      process.stderr.write(`run ${id} holds the workflow's singleton key: nothing started\n`);
    }
    if (started.debounced !== undefined) {
      process.stderr.write(`run ${id} is debounced: it starts at ${started.debounced.due_at}\n`);
      await made(t.client, id, Date.parse(started.debounced.due_at));
    }
    if (t.server !== undefined) process.stderr.write(`run ${id} started on ${t.server}\n`);
    if (t.onWorkers === true) process.stderr.write(`run ${id} started for the workers\n`);
    return follow(t, id, { json: a.json, after: 0 });
  });
}

/** How long past its due time a debounced run may take to be made (a firer's lease, and more). */
const MADE_GRACE_MS = 70_000;

/** Waits until the run of a debounced start is made (later starts may push it back). */
async function made(client: WeftClient, id: string, dueAt: number): Promise<void> {
  for (;;) {
    try {
      await client.runs.head(id);
      return;
    } catch (e) {
      if (!(WeftError.is(e) && e.code === 'not_found')) throw e;
      if (Date.now() > dueAt + MADE_GRACE_MS) {
        throw new CliError(`debounced run ${id} was not made; see the engine's log`, EXIT.failed);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
