/**
 * @module cli/report
 * How a followed run ended, on stdout/stderr, and the exit code: shared by local and remote runs.
 */
import type { RunView } from '@weft/engine';
import { EXIT } from './exit-codes.js';

/**
 * Prints how a run ended and returns the exit code; `where` is appended to the commands it
 * suggests (e.g. ` --server URL` for a remote run).
 */
export function report(view: RunView, json: boolean, where = ''): number {
  if (json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  switch (view.status) {
    case 'succeeded':
      if (!json) process.stdout.write(`${JSON.stringify(view.output, null, 2)}\n`);
      return EXIT.ok;
    case 'waiting':
    case 'paused': {
      const waiting = Object.entries(view.nodes)
        .filter(([, n]) => n.status === 'waiting')
        .map(([p]) => p);
      const next =
        view.status === 'paused'
          ? `resume with: weft runs resume ${view.id}`
          : `answer with: weft runs input ${view.id} --node ${waiting[0] ?? 'NODE'} --value JSON`;
      process.stderr.write(
        `run ${view.id} is ${view.status}${waiting.length > 0 ? ` (waiting: ${waiting.join(', ')})` : ''}; ${next}${where}\n`,
      );
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
