/**
 * @module runtime/cluster
 * This process as one of many workers on a shared database (see `ports/cluster` in the core): its
 * lease, kept alive by a heartbeat and given up by itself before the database would take it;
 * claims of runs that need a worker, on a poll and on the bus's wakes (none for a member that
 * carries its own runs only, `WorkerOptions.claims` false: it starts its own runs waiting under a
 * concurrency key there instead); inputs for runs another
 * worker holds, forwarded to that worker over the bus; and the changes of runs committed
 * elsewhere, for the readers of this process (waits, event streams).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  customCode,
  ERROR_CODES,
  WeftError,
  type BusMessage,
  type ErrorCode,
  type ClusterPorts,
  type Logger,
  type RunClaim,
} from '@weft/core';
import type { RunnerInput } from './active-run.js';

/** What the member needs of the Runner. */
export interface ClusterHost {
  /** Carries on runs just claimed (their work in flight died with another worker, or is new). */
  adopt(claims: readonly RunClaim[]): Promise<void>;
  /** Runs this worker has in memory. */
  held(): number;
  /** The lease is gone: every run in memory is dropped, its executions aborted with `reason`. */
  dropAll(reason: WeftError): void;
  /** An input another process forwarded for a run this worker holds. */
  deliver(runId: string, input: RunnerInput): Promise<void>;
  /**
   * A member that claims nothing (`claims: false`): starts those of its own queued runs whose
   * concurrency key has room, in the place of a claim.
   */
  admitOwn(): Promise<void>;
}

export interface ClusterMemberOptions {
  ports: ClusterPorts;
  log: Logger;
  version: string;
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  /** Claims runs that need a worker; false: carries its own runs only (`WorkerOptions.claims`). */
  claims: boolean;
}

/** How long a forwarded input waits for the holder's reply before asking the database again. */
const REPLY_WAIT_MS = 2000;

export class ClusterMember {
  readonly #o: ClusterMemberOptions;
  #worker = newWorkerId();
  #host: ClusterHost | undefined;
  #beat: ReturnType<typeof setInterval> | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  /** Fires when the lease would lapse before a renewal lands: this worker stops on its own. */
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #claiming = false;
  #claimAgain = false;
  /**
   * False once a claim found fewer runs than it asked for, until something says more may wait:
   * a wake, a poll, a claim this worker had no room for. Room freed here then costs no query.
   */
  #maybeQueued = true;
  /** Wakes heard: a claim that began before the last one may have missed what it announced. */
  #wakes = 0;
  #joined = false;
  #stopped = false;
  readonly #replies = new Map<string, (error: WeftError | undefined) => void>();
  readonly #changes = new Map<string, Set<(seq: number) => void>>();

  constructor(options: ClusterMemberOptions) {
    this.#o = options;
  }

  /** This worker's id on the database: a new one after a lost lease. */
  get worker(): string {
    return this.#worker;
  }

  /**
   * @throws WeftError `worker_version_mismatch` when live workers of another Weft version share the
   *   database: their runs' states may not read the same here. Nothing is written then.
   */
  async start(host: ClusterHost): Promise<void> {
    this.#host = host;
    const others = (await this.#o.ports.claims.workers()).filter(
      (w) => w.version !== this.#o.version,
    );
    if (others.length > 0) {
      const first = others[0]!;
      throw new WeftError(
        'worker_version_mismatch',
        `${others.length} live worker(s) of Weft ${first.version} share this database (${first.where}); this is Weft ${this.#o.version}: stop them before starting this one`,
      );
    }
    this.#unsubscribe = await this.#o.ports.bus.subscribe((m) => this.#onMessage(m));
    await this.#join();
    const every = Math.max(10, Math.floor(this.#o.leaseMs / 3));
    this.#beat = setInterval(() => void this.#renew(), every);
    this.#beat.unref();
    // The poll finds what no wake announced: runs of a worker whose lease lapsed, a lost NOTIFY.
    this.#poll = setInterval(() => {
      this.#maybeQueued = true;
      this.claimSoon();
    }, this.#o.pollMs);
    this.#poll.unref();
    await this.#claim();
  }

  /**
   * Ends the lease: runs this worker still holds (work it stopped in flight) are free for the
   * others at once.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#beat);
    clearInterval(this.#poll);
    clearTimeout(this.#watchdog);
    for (const reply of this.#replies.values()) {
      reply(new WeftError('shutdown', 'engine closed'));
    }
    if (this.#joined) {
      await this.#o.ports.claims.leave(this.#worker).catch((e: unknown) => {
        this.#o.log.warn({ err: e }, 'could not end the lease; its runs pass on when it lapses');
      });
    }
    await this.#unsubscribe?.().catch(() => undefined);
  }

  /**
   * Whether a worker holding `held` runs has its share: a run started here then waits `queued`. A
   * member that claims nothing is never full: no one else would take its run.
   */
  full(held: number): boolean {
    return this.#o.claims && held >= this.#o.concurrency;
  }

  /** Whether this member claims runs that need a worker, or carries its own runs only. */
  get claims(): boolean {
    return this.#o.claims;
  }

  /** Wakes every worker (this one too) to claim: a place under a concurrency key freed. */
  wakeAll(): void {
    this.#o.ports.bus.publish({ kind: 'wake' }).catch(() => this.claimSoon());
  }

  /** Claims runs that need a worker, soon: coalesces calls made meanwhile. */
  claimSoon(): void {
    if (this.#stopped || !this.#joined) return;
    void this.#claim();
  }

  /** This worker let go of a run: it claims another if any may be waiting. */
  roomFreed(): void {
    if (this.#maybeQueued) this.claimSoon();
  }

  /**
   * Hands `input` to the worker that holds the run. Resolves true once that worker has taken it
   * (throwing what it refused), false when it did not answer in time (it may have stopped, or let
   * go of the run): the caller asks the database again.
   */
  async forward(runId: string, input: RunnerInput, holder: string): Promise<boolean> {
    const id = randomUUID();
    const answered = new Promise<WeftError | undefined | 'timeout'>((resolve) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        resolve('timeout');
      }, REPLY_WAIT_MS);
      this.#replies.set(id, (error) => {
        clearTimeout(timer);
        this.#replies.delete(id);
        resolve(error);
      });
    });
    try {
      await this.#o.ports.bus.publish({
        kind: 'forward',
        to: holder,
        from: this.#worker,
        id,
        runId,
        input,
      });
    } catch (e) {
      this.#replies.get(id)?.(undefined);
      throw e;
    }
    const outcome = await answered;
    if (outcome === 'timeout') return false;
    if (outcome !== undefined) throw outcome;
    return true;
  }

  /** Calls `listener` with the last seq of each commit of the run made by any process. */
  onChange(runId: string, listener: (seq: number) => void): () => void {
    let set = this.#changes.get(runId);
    if (set === undefined) this.#changes.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#changes.delete(runId);
    };
  }

  async #join(): Promise<void> {
    const sent = performance.now();
    await this.#o.ports.claims.join(this.#worker, this.#o.leaseMs, {
      version: this.#o.version,
      where: `${hostname()}:${process.pid}`,
    });
    this.#joined = true;
    this.#arm(sent);
  }

  /** The lease counts from before the renewal was sent; stop a sixth of it early. */
  #arm(sent: number): void {
    clearTimeout(this.#watchdog);
    if (this.#stopped) return;
    const margin = Math.max(5, Math.floor(this.#o.leaseMs / 6));
    this.#watchdog = setTimeout(
      () => this.#lost(`no renewal landed within ${this.#o.leaseMs} ms`),
      Math.max(1, this.#o.leaseMs - margin - (performance.now() - sent)),
    );
    this.#watchdog.unref();
  }

  async #renew(): Promise<void> {
    if (this.#stopped) return;
    if (!this.#joined) {
      await this.#join().catch(() => undefined);
      if (this.#joined) this.claimSoon();
      return;
    }
    const worker = this.#worker;
    const sent = performance.now();
    try {
      const kept = await this.#o.ports.claims.renew(worker, this.#o.leaseMs);
      if (worker !== this.#worker) return;
      if (kept) this.#arm(sent);
      else this.#lost('its lease had lapsed');
    } catch (e) {
      // The watchdog decides: a renewal may still land before the lease runs out.
      this.#o.log.warn({ err: e, worker }, 'lease renewal failed');
    }
  }

  /** Stops every run of this worker and joins again under a new id, at the next beat. */
  #lost(why: string): void {
    if (this.#stopped || !this.#joined) return;
    const old = this.#worker;
    this.#joined = false;
    this.#worker = newWorkerId();
    clearTimeout(this.#watchdog);
    this.#o.log.warn(
      { worker: old, code: 'claim_lost' },
      `worker ${old} lost its claim on its runs (${why}): it stops them; other workers carry them on`,
    );
    this.#host?.dropAll(new WeftError('claim_lost', `worker ${old} lost its lease (${why})`));
  }

  async #claim(): Promise<void> {
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    this.#claiming = true;
    try {
      do {
        this.#claimAgain = false;
        const host = this.#host;
        if (host === undefined || this.#stopped || !this.#joined) return;
        if (!this.#o.claims) {
          await host.admitOwn();
          continue;
        }
        const free = this.#o.concurrency - host.held();
        if (free <= 0) {
          this.#maybeQueued = true;
          return;
        }
        const wakes = this.#wakes;
        const claims = await this.#o.ports.claims.claim(this.#worker, free);
        if (claims.length > 0) await host.adopt(claims);
        // A full page may leave more behind.
        if (claims.length === free) this.#claimAgain = true;
        else if (wakes === this.#wakes) this.#maybeQueued = false;
      } while (this.#claimAgain);
    } catch (e) {
      this.#o.log.warn({ err: e }, 'claiming runs failed; tried again at the next poll');
    } finally {
      this.#claiming = false;
    }
  }

  #onMessage(m: BusMessage): void {
    switch (m.kind) {
      case 'wake':
        this.#wakes++;
        this.#maybeQueued = true;
        return this.claimSoon();
      case 'runs':
        for (const [runId, seq] of m.runs) {
          const listeners = this.#changes.get(runId);
          if (listeners !== undefined) for (const l of [...listeners]) l(seq);
        }
        return;
      case 'forward':
        if (m.to !== this.#worker || this.#host === undefined) return;
        void this.#answer(m.from, m.id, this.#host.deliver(m.runId, m.input as RunnerInput));
        return;
      case 'reply':
        if (m.to !== this.#worker) return;
        this.#replies.get(m.id)?.(m.error === undefined ? undefined : asWeftError(m.error));
        return;
    }
  }

  async #answer(to: string, id: string, taken: Promise<void>): Promise<void> {
    let error: { code: string; message: string } | undefined;
    try {
      await taken;
    } catch (e) {
      const w = WeftError.is(e) ? e : new WeftError('internal', String(e));
      error = { code: w.code, message: w.message };
    }
    await this.#o.ports.bus
      .publish({ kind: 'reply', to, id, ...(error === undefined ? {} : { error }) })
      .catch((e: unknown) => this.#o.log.warn({ err: e }, 'could not answer a forwarded input'));
  }
}

/** The holder's refusal, as it would have been thrown here. */
function asWeftError(e: { code: string; message: string }): WeftError {
  const code = e.code in ERROR_CODES ? (e.code as ErrorCode) : customCode(e.code);
  return new WeftError(code, e.message);
}

function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
