/**
 * @module cli/unfinished
 * A command left waiting on something that can no longer come — a run that nothing in this process
 * carries on — would end when the event loop empties: silently, with exit code 0. The guard makes
 * that exit 1 with a message; a command may say what it was waiting for.
 */
import { EXIT } from './exit-codes.js';

let waiting: string | undefined;

/** What the command waits for, said should the process run out of work first; undefined: done. */
export function waitingFor(message: string | undefined): void {
  waiting = message;
}

/** Installs the guard: `finished()` tells whether the command's promise settled. */
export function guardUnfinished(finished: () => boolean): void {
  process.once('beforeExit', () => {
    if (finished()) return;
    process.stderr.write(
      `${waiting ?? 'weft stopped before the command finished: nothing was left that could finish it'}\n`,
    );
    process.exitCode = EXIT.failed;
  });
}
