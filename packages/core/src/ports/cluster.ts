/**
 * @module ports/cluster
 * What many workers sharing one database need beside the store: leases on runs (a work queue whose
 * claims fence writes) and a bus between the processes.
 *
 * A run is *held* by a worker while something of it is in flight there (a node executing, a
 * decision not yet committed); a run that only waits (for a timer, an answer, a child run) is held
 * by no one and lives in the store alone. A worker's lease is one row it renews (`renew`): its
 * holds do not need a write each to stay alive, and all of them lapse together when it stops
 * renewing. Every hold carries a token, raised by each claim: a write for a run (see
 * `RunWrite.claim`) is refused with WeftError `claim_lost` unless the run's token is still the
 * writer's, so a worker that stalled past its lease and woke up again can change nothing that its
 * successor took over.
 */

/** A worker's hold on a run. */
export interface RunClaim {
  runId: string;
  /** Raised by each claim of the run: the writer's proof that the run is still its own. */
  token: number;
  /**
   * A queued run under a concurrency key that its key had room for: the claimant starts it. A
   * queued run under a key claimed otherwise (its holder died before it was let go) goes back to
   * wait for its turn.
   */
  admitted?: boolean;
}

export interface WorkerInfo {
  /** Weft's version: the operator sees which workers run which. */
  version: string;
  /** host:pid or any label that tells the operator where the worker runs. */
  where: string;
}

export interface RunClaims {
  /** Begins `worker`'s lease, to the database's now + `ttlMs`. */
  join(worker: string, ttlMs: number, info: WorkerInfo): Promise<void>;
  /**
   * Renews `worker`'s lease to the database's now + `ttlMs`. False when the lease had lapsed or was
   * ended: its runs may be another worker's by now, so the worker drops every run it holds and
   * joins again under a new id.
   */
  renew(worker: string, ttlMs: number): Promise<boolean>;
  /** Ends the lease and lets go of every run it holds: other workers may claim them at once. */
  leave(worker: string): Promise<void>;
  /**
   * Claims at most `limit` runs that need a worker and have none: held by a worker whose lease
   * lapsed, or `queued` and held by no one. Higher `priority` first, then older. Each is now
   * `worker`'s, under a raised token. Concurrent callers never get the same run.
   */
  claim(worker: string, limit: number): Promise<RunClaim[]>;
  /**
   * Takes the run for `worker` unless a live worker other than `worker` holds it: the run is then
   * `worker`'s under a raised token, or under the same token when `worker` held it already (no
   * other worker has had it since, and a raised one would fence out the worker's own hold). `{ heldBy }` names the live holder otherwise; undefined when
   * there is no such run.
   */
  acquire(worker: string, runId: string): Promise<RunClaim | { heldBy: string } | undefined>;
  /** The live workers, by id (operators, /healthz). */
  workers(): Promise<{ id: string; version: string; where: string; expiresAt: string }[]>;
}

/**
 * Messages between processes. `runs` is sent by the store itself after each commit whose writes
 * carry a claim (a worker's: a store used by one process alone announces nothing), one message for
 * the whole commit (several when it is too long for one), and `wake` with it when the commit leaves
 * a run queued and held by no one; the others are the engine's.
 */
export type BusMessage =
  | {
      kind: 'runs';
      /** [run id, seq of its last event, whether a worker still holds it] per run committed. */
      runs: [string, number, boolean][];
    }
  /** Work that needs a worker appeared (a run queued or let go): idle workers claim. */
  | { kind: 'wake' }
  /** An input for a run that worker `to` holds: it feeds it and answers with `reply`. */
  | { kind: 'forward'; to: string; from: string; id: string; runId: string; input: unknown }
  | { kind: 'reply'; to: string; id: string; error?: { code: string; message: string } };

export interface RunBus {
  /**
   * Delivers every message published from now on, by any process on the database, this one
   * included, in the order each publisher published them. Resolves once listening; the returned
   * function stops it.
   */
  subscribe(handler: (message: BusMessage) => void): Promise<() => Promise<void>>;
  /**
   * Publishes a message. One whose JSON is larger than the bus carries (`maxMessageBytes`) is
   * refused with WeftError `payload_too_large`.
   */
  publish(message: BusMessage): Promise<void>;
  readonly maxMessageBytes: number;
}

/**
 * The largest bus message a store carries: above the largest value a run takes in (an input or an
 * answer, 4 MiB of JSON by default), with room for the message around it.
 */
export const MAX_BUS_MESSAGE_BYTES = 8 * 1024 * 1024;

/** The parts a store offers for many workers; a store for one process has none. */
export interface ClusterPorts {
  claims: RunClaims;
  bus: RunBus;
}
