/**
 * @module runtime/commit-queue
 * Group commit: what the runs decided, gathered per run until the next commit, which takes every
 * run that has something pending. `setImmediate` closes a batch, so every result ready in one
 * event-loop turn shares a commit.
 *
 * A store may take several commits at once (`Store.commitsInFlight`): the queue then starts the
 * next batch while one is being committed, but leaves out of it the runs whose commit is in
 * progress. A run's write is a change from its last one, so it waits, pending, for that commit to
 * end: a run's writes reach the store one at a time and in order.
 */
import type { Command, Logger, RunEvent, TimerRecord } from '@weft/core';
import type { ActiveRun } from './active-run.js';

/** What one run decided since its last commit. */
export interface PendingWrite {
  run: ActiveRun;
  dirty: Set<string>;
  removed: Set<string>;
  events: RunEvent[];
  addTimers: Map<string, TimerRecord>;
  removeTimers: Set<string>;
  commands: Command[];
  /** Its place among the writes of this queue, in the order they were begun. */
  seq: number;
}

export interface CommitQueueOptions {
  /** Commits in progress at once, at most. */
  inFlight: number;
  /** Commits one batch (each of another run), and does what follows each run's commit. */
  commit(batch: readonly PendingWrite[]): Promise<void>;
  log: Logger;
}

export class CommitQueue {
  readonly #o: CommitQueueOptions;
  /** Pending writes by run; a run in {@link #inFlight} waits here for its commit to end. */
  #pending = new Map<string, PendingWrite>();
  readonly #inFlight = new Set<string>();
  #flights = 0;
  #scheduled = false;
  /** Settles when every commit started so far has. */
  #settled: Promise<void> = Promise.resolve();
  /** The seq of the last write begun; every write up to `#doneUpTo` is committed, failed or dropped. */
  #writeSeq = 0;
  #doneUpTo = 0;
  /** Writes done above `#doneUpTo` (commits end out of order when several are in flight). */
  readonly #doneAbove = new Set<number>();
  /** Callers of `flush`, in the order of the write each waits for. */
  readonly #waiters: { upTo: number; promise: Promise<void>; resolve: () => void }[] = [];

  constructor(options: CommitQueueOptions) {
    this.#o = { ...options, inFlight: Math.max(1, options.inFlight) };
  }

  /** The run's pending write, begun if it has none; its commit is scheduled. */
  writeFor(run: ActiveRun): PendingWrite {
    let w = this.#pending.get(run.identity.id);
    if (w === undefined) {
      w = {
        run,
        dirty: new Set(),
        removed: new Set(),
        events: [],
        addTimers: new Map(),
        removeTimers: new Set(),
        commands: [],
        seq: ++this.#writeSeq,
      };
      this.#pending.set(run.identity.id, w);
    }
    this.#schedule();
    return w;
  }

  /** Whether the run has a write that no commit has taken yet. */
  pending(runId: string): boolean {
    return this.#pending.has(runId);
  }

  /** Whether the run decided anything not committed yet (pending, or being committed). */
  uncommitted(runId: string): boolean {
    return this.#pending.has(runId) || this.#inFlight.has(runId);
  }

  /** Forgets the run's pending write; true if it had one. */
  drop(runId: string): boolean {
    const w = this.#pending.get(runId);
    if (w === undefined) return false;
    this.#pending.delete(runId);
    this.#done(w);
    return true;
  }

  /** Resolves once every write begun before the call is committed (or failed, or dropped). */
  flush(): Promise<void> {
    const upTo = this.#writeSeq;
    if (this.#doneUpTo >= upTo) return Promise.resolve();
    if (this.#pending.size > 0) this.#schedule();
    const last = this.#waiters.at(-1);
    if (last?.upTo === upTo) return last.promise;
    const waiter = { upTo, ...deferred() };
    this.#waiters.push(waiter);
    return waiter.promise;
  }

  /** Settles when every commit started so far has (never rejects). */
  get settled(): Promise<void> {
    return this.#settled;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate lets every result that is ready in this turn join the same commit.
    setImmediate(() => {
      this.#scheduled = false;
      this.#launch();
    });
  }

  #launch(): void {
    while (this.#flights < this.#o.inFlight && this.#pending.size > 0) {
      let batch = this.#pending;
      if (this.#inFlight.size === 0) this.#pending = new Map();
      else {
        batch = new Map();
        for (const [id, w] of this.#pending) if (!this.#inFlight.has(id)) batch.set(id, w);
        if (batch.size === 0) return;
        for (const id of batch.keys()) this.#pending.delete(id);
      }
      for (const id of batch.keys()) this.#inFlight.add(id);
      this.#flights++;
      const flight = this.#o
        .commit([...batch.values()])
        // A batch that throws is a defect: said, and not allowed to stop later commits.
        .catch((e: unknown) => this.#o.log.error({ err: e }, 'a commit batch failed'))
        .finally(() => {
          // Out of flight before anyone waiting for it hears that it is done.
          for (const id of batch.keys()) this.#inFlight.delete(id);
          for (const w of batch.values()) this.#done(w);
          this.#flights--;
          if (this.#pending.size > 0) this.#schedule();
        });
      this.#settled = Promise.all([this.#settled, flight]).then(nothing);
    }
  }

  #done(w: PendingWrite): void {
    if (w.seq !== this.#doneUpTo + 1) {
      this.#doneAbove.add(w.seq);
      return;
    }
    this.#doneUpTo++;
    while (this.#doneAbove.delete(this.#doneUpTo + 1)) this.#doneUpTo++;
    const waiters = this.#waiters;
    while (waiters.length > 0 && waiters[0]!.upTo <= this.#doneUpTo) waiters.shift()!.resolve();
  }
}

const nothing = (): void => undefined;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}
