/**
 * @module cli/follow
 * The one follow loop of the CLI, over `client.runs`: live progress from the run's events, a
 * wait until the run ends or waits for someone, the question of a human node asked on a terminal,
 * and the report with the exit code of `weft run`. In this process (a local database) the engine
 * carries the run on meanwhile; through a server, the server does.
 */
import { askOnTerminal } from './ask.js';
import { Progress } from './progress.js';
import { report } from './report.js';
import type { Target } from './target.js';

export interface FollowOptions {
  json: boolean;
  /** Progress shows the events after this seq: the run's last seq before the command moved it. */
  after: number;
}

/** How long the progress may lag behind a settled run before the report is printed anyway. */
const CATCH_UP_MS = 2000;

/** Shows a run's progress until it ends or needs someone; returns the exit code. */
export async function follow(t: Target, runId: string, o: FollowOptions): Promise<number> {
  const { client } = t;
  const progress = new Progress();
  const stop = new AbortController();
  let seen = o.after;
  const streaming = (async () => {
    for await (const e of client.runs.events(runId, { after: o.after, signal: stop.signal })) {
      progress.event(e);
      seen = e.seq;
    }
  })().catch(() => undefined);
  const interrupt = t.engine === undefined ? undefined : onInterrupt(t, runId);
  try {
    for (;;) {
      const { run } = await client.runs.wait(runId);
      if (run.status === 'waiting' && process.stdin.isTTY && !o.json) {
        const paths = await client.runs.waitingForAnswer(runId);
        if (paths.length > 0) {
          progress.stop();
          await askOnTerminal(client, runId, paths);
          continue;
        }
      }
      // Every event up to the settled state is shown before the verdict.
      const { seq } = await client.runs.head(runId);
      const deadline = Date.now() + CATCH_UP_MS;
      while (seen < seq && Date.now() < deadline) {
        if (await Promise.race([streaming.then(() => true), delay(20).then(() => false)])) break;
      }
      progress.stop();
      return report(run, o.json, { where: t.where, inMemory: t.inMemory });
    }
  } finally {
    stop.abort();
    progress.stop();
    if (interrupt !== undefined) process.off('SIGINT', interrupt);
  }
}

/** Ctrl-C leaves a run of this process in the store, resumable, instead of dropping it mid-commit. */
function onInterrupt(t: Target, runId: string): () => void {
  const interrupt = () => {
    process.stderr.write(
      t.inMemory
        ? `\ninterrupted: run ${runId} was kept in memory only and ends here\n`
        : `\ninterrupted: run ${runId} stays in the store; carry it on with: weft runs resume ${runId}\n`,
    );
    void t.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  return interrupt;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
