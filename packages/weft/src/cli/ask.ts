/**
 * @module cli/ask
 * Asks a waiting `human` node's question on the terminal and posts the answer, locally or through
 * a server alike. The question is closed as soon as the node stops waiting (its `timeout`, a
 * cancel, an answer from elsewhere), and Ctrl-C or Ctrl-D at the prompt leaves the run waiting.
 */
import { createInterface } from 'node:readline/promises';
import { WeftError, type RunEvent, type WeftClient } from '@weft/core/client';
import { parseLooseJson } from './io.js';
import { promptText } from './prompt-text.js';

/** How asking ended: every question answered, the run moved on without them, or Ctrl-C/Ctrl-D. */
export type AskOutcome = 'answered' | 'moved' | 'interrupted';

export async function askOnTerminal(
  client: WeftClient,
  runId: string,
  paths: readonly string[],
): Promise<AskOutcome> {
  const waiting = new Map<string, RunEvent>();
  let seq = 0;
  for await (const e of client.runs.events(runId, { follow: false })) {
    if (e.type === 'node.waiting' && e.node !== undefined) waiting.set(e.node, e);
    seq = e.seq;
  }
  const moved = new AbortController();
  const watching = new AbortController();
  // The paths still to answer here: an answer from here is no move of the run's own.
  const open = new Set(paths);
  void watchMoves(client, runId, seq, open, watching.signal).then((m) => {
    if (m) moved.abort();
  });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-C on a terminal reaches readline, not the process; Ctrl-D closes the input.
  const interrupt = new AbortController();
  rl.on('SIGINT', () => interrupt.abort());
  rl.on('close', () => interrupt.abort());
  const signal = AbortSignal.any([moved.signal, interrupt.signal]);
  try {
    for (const path of paths) {
      const data = (waiting.get(path)?.data ?? {}) as { prompt?: unknown; schema?: unknown };
      process.stderr.write(`\n? ${promptText(data.prompt) ?? path}\n`);
      if (data.schema !== undefined)
        process.stderr.write(`  answer schema: ${JSON.stringify(data.schema)}\n`);
      for (;;) {
        let line: string;
        try {
          line = await rl.question('  answer (JSON or text)> ', { signal });
        } catch (e) {
          if (interrupt.signal.aborted) return 'interrupted';
          if (moved.signal.aborted) return stopWaiting();
          throw e;
        }
        open.delete(path);
        try {
          await client.runs.input(runId, path, parseLooseJson(line.trim()));
          break;
        } catch (e) {
          open.add(path);
          // The node stopped waiting between the question and the answer (a timeout, say).
          if (WeftError.is(e) && e.code === 'invalid_state') return stopWaiting();
          if (!WeftError.is(e) || e.code !== 'invalid_answer') throw e;
          process.stderr.write(`  ${e.message}\n`);
        }
      }
    }
    return 'answered';
  } finally {
    watching.abort();
    rl.close();
  }
}

function stopWaiting(): AskOutcome {
  process.stderr.write('\n  no longer waiting for an answer\n');
  return 'moved';
}

const RUN_MOVES = new Set(['run.succeeded', 'run.failed', 'run.cancelled', 'run.paused']);

/**
 * Resolves true once the run's events after `after` show that it moved on without an answer
 * from here: one of `paths` finished or was cancelled, or the run ended or paused.
 */
async function watchMoves(
  client: WeftClient,
  runId: string,
  after: number,
  paths: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    for await (const e of client.runs.events(runId, { after, signal })) {
      if (RUN_MOVES.has(e.type)) return true;
      if (e.node !== undefined && paths.has(e.node) && e.type !== 'node.waiting') return true;
    }
  } catch {
    // Without the stream the question stays up: an answer still reaches the run.
  }
  return false;
}
