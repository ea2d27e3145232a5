/**
 * @module cli/send-on-terminal
 * Reads an event for a waiting state-machine run on the terminal and sends it, locally or
 * through a server alike: `TYPE` or `TYPE DATA` (DATA is JSON, or text). An event the state does
 * not take is told and asked again; the question closes as soon as the run moves by itself (an
 * `after` timer, a cancel, an event from elsewhere); Ctrl-C or Ctrl-D leaves the run waiting.
 */
import { createInterface } from 'node:readline/promises';
import { WeftError, type RunView, type WeftClient } from '@weft/core/client';
import type { AskOutcome } from './ask.js';
import { parseLooseJson } from './io.js';

const MOVES = new Set([
  'state.transition',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.paused',
]);

export async function sendOnTerminal(client: WeftClient, run: RunView): Promise<AskOutcome> {
  const { seq } = await client.runs.head(run.id);
  const moved = new AbortController();
  const watching = new AbortController();
  void (async () => {
    try {
      for await (const e of client.runs.events(run.id, { after: seq, signal: watching.signal })) {
        if (MOVES.has(e.type)) return moved.abort();
      }
    } catch {
      // Without the stream the question stays up: an event typed still reaches the run.
    }
  })();
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const interrupt = new AbortController();
  rl.on('SIGINT', () => interrupt.abort());
  rl.on('close', () => interrupt.abort());
  const signal = AbortSignal.any([moved.signal, interrupt.signal]);
  process.stderr.write(
    `\n? run ${run.id} is in state ${run.state ?? '?'}; it accepts: ${(run.accepts ?? []).join(', ')}\n`,
  );
  try {
    for (;;) {
      let line: string;
      try {
        line = await rl.question('  event (TYPE [DATA])> ', { signal });
      } catch (e) {
        if (interrupt.signal.aborted) return 'interrupted';
        if (moved.signal.aborted) return 'moved';
        throw e;
      }
      const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
      if (m === null) continue;
      const data = (m[2] ?? '').trim();
      const type = m[1] as string;
      try {
        await client.runs.send(
          run.id,
          data === '' ? { type } : { type, data: parseLooseJson(data) },
        );
        return 'answered';
      } catch (e) {
        if (!WeftError.is(e) || (e.code !== 'invalid_state' && e.code !== 'invalid_request'))
          throw e;
        process.stderr.write(`  ${e.message}\n`);
      }
    }
  } finally {
    watching.abort();
    rl.close();
  }
}
