/**
 * @module cli/report
 * How a followed run ended, on stdout/stderr, and the exit code: shared by local and remote runs.
 */
import type { RunView } from '@weft/core/client';
import { EXIT } from './exit-codes.js';
import { formatMs, shellWord } from './format.js';

export interface ReportOptions {
  /** Appended to the commands it suggests (e.g. ` --server URL` for a remote run). */
  where?: string;
  /** The run lives in this process only (`--db :memory:`): it cannot be answered or resumed later. */
  inMemory?: boolean;
}

/** Prints how a run ended and returns the exit code. */
export function report(view: RunView, json: boolean, options: ReportOptions = {}): number {
  const where = options.where ?? '';
  if (json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  switch (view.status) {
    case 'succeeded':
      if (!json) {
        process.stdout.write(`${JSON.stringify(view.output, null, 2)}\n`);
        // The id goes to stderr so that stdout stays the outputs alone.
        process.stderr.write(`run ${view.id} succeeded${took(view)}\n`);
      }
      return EXIT.ok;
    case 'waiting':
    case 'paused': {
      const waiting = Object.entries(view.nodes)
        .filter(([, n]) => n.status === 'waiting')
        .map(([p]) => p);
      // A state machine that waits for its events, and no action of it for an answer.
      const events = view.state !== undefined && waiting.length === 0;
      const next = options.inMemory
        ? 'a run kept in memory (--db :memory:) ends with this process and cannot be answered or resumed: run it with a database (--db PATH) to carry it on later'
        : view.status === 'paused'
          ? `resume with: weft runs resume ${view.id}${where}`
          : events
            ? `send an event with: weft runs send ${view.id} ${shellWord(view.accepts?.[0] ?? 'TYPE')} [--data JSON]${where}`
            : `answer with: weft runs input ${view.id} --node ${shellWord(waiting[0] ?? 'NODE')} --value JSON${where}`;
      const what = events
        ? ` in state ${view.state} (accepts: ${view.accepts?.join(', ') || 'none'})`
        : waiting.length > 0
          ? ` (waiting: ${waiting.join(', ')})`
          : '';
      process.stderr.write(`run ${view.id} is ${view.status}${what}; ${next}\n`);
      return EXIT.waiting;
    }
    default:
      if (!json && view.error !== null) {
        process.stderr.write(
          `run ${view.id} ${view.status}: ${view.error.code}: ${view.error.message}\n`,
        );
      }
      return EXIT.failed;
  }
}

/** " in 12ms" from the run's start to its end, when both are known. */
function took(view: RunView): string {
  const from = Date.parse(view.started_at ?? view.created_at);
  const to = view.finished_at === null ? NaN : Date.parse(view.finished_at);
  return Number.isFinite(from) && Number.isFinite(to) ? ` in ${formatMs(to - from)}` : '';
}
