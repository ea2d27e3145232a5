/**
 * @module cli/run-command
 * `weft run FILE`: runs a workflow in this process on the embedded store, shows live progress per
 * node on stderr, and prints the outputs (or with --json the run) on stdout.
 */
import { WeftError } from '@weft/core';
import { formatDiagnostic } from './format.js';
import { Engine, validateWorkflow } from '@weft/engine';
import { askOnTerminal } from './ask.js';
import { CliError, EXIT } from './exit-codes.js';
import { readInput, readText } from './io.js';
import { LocalFiles } from './local-files.js';
import { Progress } from './progress.js';
import { report, type ReportOptions } from './report.js';

export interface RunArgs {
  file: string;
  input?: string;
  db: string;
  json: boolean;
}

export async function runCommand(args: RunArgs): Promise<number> {
  const text = await readText(args.file);
  const input = await readInput(args.input);
  // An invalid definition is reported before any database is opened (or created).
  const checked = validateWorkflow(text);
  if (!checked.ok) {
    throw new CliError(
      checked.diagnostics.map((d) => formatDiagnostic(args.file, d)).join('\n'),
      EXIT.invalid,
    );
  }
  const files = new LocalFiles();
  const engine = await Engine.open({ db: args.db, resolveWorkflow: files.resolver });
  files.attach(engine);
  try {
    const { id: workflowId, version } = await publishOrExit(files, args.file, text);
    let runId: string;
    try {
      runId = (await engine.start(workflowId, { input, version })).id;
    } catch (e) {
      if (WeftError.is(e) && e.code === 'invalid_input')
        throw new CliError(e.message, EXIT.invalid);
      throw e;
    }
    const id = runId;
    const inMemory = args.db === ':memory:';
    // Ctrl-C leaves the run in the store, resumable, instead of dropping it mid-commit.
    const interrupt = () => {
      process.stderr.write(
        inMemory
          ? `\ninterrupted: run ${id} was kept in memory only and ends here\n`
          : `\ninterrupted: run ${id} stays in the store; carry it on with: weft runs resume ${id}\n`,
      );
      void engine.close().finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupt);
    try {
      return await follow(engine, runId, args.json, 0, { inMemory });
    } finally {
      process.off('SIGINT', interrupt);
    }
  } finally {
    await engine.close();
  }
}

async function publishOrExit(files: LocalFiles, file: string, text: string) {
  try {
    return await files.publish(file, text);
  } catch (e) {
    if (WeftError.is(e) && e.code === 'invalid_definition')
      throw new CliError(e.message, EXIT.invalid);
    throw e;
  }
}

/** Shows a run's progress until it ends or needs an answer; returns the exit code. */
export async function follow(
  engine: Engine,
  runId: string,
  json: boolean,
  after = 0,
  options: ReportOptions = {},
): Promise<number> {
  const progress = new Progress();
  const streaming = (async () => {
    for await (const e of engine.events(runId, { after })) progress.event(e);
  })();
  try {
    for (;;) {
      const view = await engine.wait(runId);
      if (view.status === 'waiting' && process.stdin.isTTY && !json) {
        const paths = await engine.waitingForAnswer(runId);
        if (paths.length > 0) {
          progress.stop();
          await askOnTerminal(engine, runId, paths);
          continue;
        }
      }
      await Promise.race([streaming, delay(50)]);
      progress.stop();
      return report(view, json, options);
    }
  } finally {
    progress.stop();
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
