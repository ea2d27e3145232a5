/**
 * @module cli/follow
 * The one follow loop of the CLI, over `client.runs`: live progress from the run's events, a
 * wait until the run ends or waits for someone, the question of a human node asked on a terminal
 * (and a state machine's next event read there),
 * and the report with the exit code of `weft run`. In this process (a local database) the engine
 * carries the run on meanwhile; through a server, the server does; on PostgreSQL, the workers do.
 */
import type { RunView, WeftClient } from '@weft/core/client';
import { askOnTerminal } from './ask.js';
import { EXIT_INTERRUPTED, interruptedMessage } from './interrupt.js';
import { warnIfNoWorkers } from './postgres-target.js';
import { Progress } from './progress.js';
import { report } from './report.js';
import { sendOnTerminal } from './send-on-terminal.js';
import type { Target } from './target.js';
import { waitingFor } from './unfinished.js';

export interface FollowOptions {
  json: boolean;
  /** Progress shows the events after this seq: the run's last seq before the command moved it. */
  after: number;
}

/** How long the progress may lag behind a settled run before the report is printed anyway. */
const CATCH_UP_MS = 2000;

/** How long after a human node's `timeout` fell due the run is given to take its timeout port. */
const TIMEOUT_GRACE_MS = 5000;

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
  if (t.onWorkers === true) await warnIfNoWorkers(t, runId);
  waitingFor(
    `run ${runId} did not finish: it is unfinished in the store and nothing in this process carries it on; see: weft runs show ${runId}${t.where}`,
  );
  try {
    for (;;) {
      const { run } = await client.runs.wait(runId);
      // A human node whose timeout fell due (while no process carried the run on, say) takes
      // its timeout port right away: the run is reported after that, not as waiting.
      if (run.status === 'waiting' && (await movedAfterTimeout(client, run))) continue;
      // On PostgreSQL an answer would make this process hold the run it follows: the workers
      // could not carry it on until the command ends. The report says how to answer instead.
      const asks = process.stdin.isTTY && !o.json && t.onWorkers !== true;
      if (run.status === 'waiting' && asks) {
        const paths = await client.runs.waitingForAnswer(runId);
        if (paths.length > 0) {
          progress.pause();
          const asked = await askOnTerminal(client, runId, paths);
          if (asked === 'interrupted') {
            process.stderr.write(interruptedMessage(t, runId));
            return EXIT_INTERRUPTED;
          }
          progress.resume();
          continue;
        }
        // A state machine waiting for its events: one is read here and sent.
        if (run.state !== undefined && (run.accepts ?? []).length > 0) {
          progress.pause();
          const sent = await sendOnTerminal(client, run);
          if (sent === 'interrupted') {
            process.stderr.write(interruptedMessage(t, runId));
            return EXIT_INTERRUPTED;
          }
          progress.resume();
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
    waitingFor(undefined);
    stop.abort();
    progress.stop();
    if (interrupt !== undefined) process.off('SIGINT', interrupt);
  }
}

/** Ctrl-C leaves a run of this process in the store, resumable, instead of dropping it mid-commit. */
function onInterrupt(t: Target, runId: string): () => void {
  const interrupt = () => {
    process.stderr.write(interruptedMessage(t, runId));
    void t.close().finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.once('SIGINT', interrupt);
  return interrupt;
}

/**
 * When a waiting human node's timeout is due, waits (a bounded time) for the run's next event and
 * returns true once one came; false when no timeout is due or the run did not move.
 */
async function movedAfterTimeout(client: WeftClient, run: RunView): Promise<boolean> {
  const dueAt = new Map<string, number>();
  let seq = 0;
  for await (const e of client.runs.events(run.id, { follow: false })) {
    seq = e.seq;
    if (e.type !== 'node.waiting' || e.node === undefined) continue;
    const at = 'timeout_at' in e.data ? e.data.timeout_at : undefined;
    if (at === undefined) dueAt.delete(e.node);
    else dueAt.set(e.node, Date.parse(at));
  }
  const now = Date.now();
  const due = [...dueAt]
    .filter(([node, at]) => run.nodes[node]?.status === 'waiting' && at <= now)
    .map(([, at]) => at);
  if (due.length === 0) return false;
  const until = Math.min(...due) + TIMEOUT_GRACE_MS;
  if (until <= now) return false;
  const signal = AbortSignal.timeout(until - now);
  for await (const e of client.runs.events(run.id, { after: seq, signal })) {
    if (e.seq > seq) return true;
  }
  return false;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
