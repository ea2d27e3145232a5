/**
 * @module engine/debouncer
 * Fires debounced starts when they fall due (see `ports/start-keys`): one OS timer for the earliest
 * due time this process knows of, due rows read from the store in pages. Each row is claimed
 * before its run is created, so that of many engines on one store one fires it; a claim holds for
 * {@link LEASE_MS}, after which a row whose firer died is due again.
 *
 * A process alone on its store learns every due time from its own starts (and the store, once, at
 * open). Workers sharing a store also look every `pollMs`, for the starts other workers took and
 * could not fire.
 */
import type { Clock, DebounceRecord, Logger, Store } from '@weft/core';

/** How long a claimed row is its firer's: creating one run takes far less. */
export const LEASE_MS = 60_000;
const PAGE = 100;
/** setTimeout's limit is ~24.8 days; re-check at least hourly. */
const MAX_SLEEP_MS = 3_600_000;

export interface DebouncerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Creates the run of a claimed row. */
  fire(d: DebounceRecord): Promise<void>;
  /** Longest sleep, on a store shared with other workers. */
  pollMs?: number;
}

export class Debouncer {
  readonly #o: DebouncerOptions;
  #handle: ReturnType<typeof setTimeout> | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #pass: Promise<void> | undefined;
  #stopped = false;

  constructor(options: DebouncerOptions) {
    this.#o = options;
  }

  /** Arms for the earliest row in the store (rows left by a stop fire now). */
  async start(): Promise<void> {
    const next = await this.#o.store.nextDebounceDue();
    this.#arm(next ?? Number.POSITIVE_INFINITY);
  }

  /** A start of this process is due at `dueAt`. */
  added(dueAt: number): void {
    if (dueAt < this.#wakeAt) this.#arm(dueAt);
  }

  /** Stops firing and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
    await this.#pass;
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    // The pass in progress reads the next due time when it ends.
    if (this.#pass !== undefined) return;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    const poll = this.#o.pollMs ?? MAX_SLEEP_MS;
    const delay = Math.min(Math.max(0, at - this.#o.clock.now()), poll, MAX_SLEEP_MS);
    this.#wakeAt = this.#o.clock.now() + delay;
    this.#handle = setTimeout(() => this.#wake(), delay);
    this.#handle.unref();
  }

  #wake(): void {
    this.#handle = undefined;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#pass = this.#fireDue().finally(() => {
      this.#pass = undefined;
      if (this.#stopped) return;
      this.#o.store.nextDebounceDue().then(
        (next) => this.#arm(next ?? Number.POSITIVE_INFINITY),
        () => this.#arm(this.#o.clock.now() + 1000),
      );
    });
  }

  async #fireDue(): Promise<void> {
    const { store, clock, log } = this.#o;
    try {
      for (;;) {
        const due = await store.dueDebounces(clock.now(), PAGE);
        for (const d of due) {
          if (this.#stopped) return;
          if (!(await store.claimDebounce(d.runId, d.rev, clock.now() + LEASE_MS))) continue;
          try {
            await this.#o.fire(d);
          } catch (e) {
            // Claimed: not tried again (a start that cannot be made now would fail every time).
            log.error(
              { err: e, runId: d.runId, tenant: d.tenant, workflow: d.workflowId },
              'debounced run could not start',
            );
          }
          await store.deleteDebounce(d.runId);
        }
        if (due.length < PAGE) return;
      }
    } catch (e) {
      log.error({ err: e }, 'debounced starts could not be read; trying again');
    }
  }
}
