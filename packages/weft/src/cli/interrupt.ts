/**
 * @module cli/interrupt
 * What Ctrl-C (or Ctrl-D at a question) says about the run it leaves, and the exit code.
 */
import type { Target } from './target.js';

/** The exit code of a command stopped with Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

export function interruptedMessage(
  t: Pick<Target, 'inMemory' | 'where' | 'onWorkers'>,
  runId: string,
): string {
  if (t.onWorkers === true) {
    return `\ninterrupted: run ${runId} goes on on the workers; see: weft runs show ${runId}${t.where}\n`;
  }
  return t.inMemory
    ? `\ninterrupted: run ${runId} was kept in memory only and ends here\n`
    : `\ninterrupted: run ${runId} stays in the store; carry it on with: weft runs resume ${runId}${t.where}\n`;
}
