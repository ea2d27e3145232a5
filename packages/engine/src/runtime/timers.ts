/**
 * @module runtime/timers
 * Fires the store's durable timers when they fall due. Timers live in the store, not in memory:
 * one OS timer is armed for the earliest due time, and due timers are read in pages, so that any
 * number of parked runs costs no memory and timers that fell due while the process was down fire
 * right after start.
 */
import type { Clock, Logger, Store, TimerRecord } from '@weft/core';

const PAGE = 1000;
/** setTimeout's limit is ~24.8 days; re-check at least hourly. */
const MAX_SLEEP_MS = 3_600_000;
/**
 * How soon a timer left to its run's holder is looked at again: the holder fires it, or its lease
 * lapses (a dead holder's), and this worker may take the run. Not at once: that would ask the
 * database again and again for as long as the timer stays due.
 */
const HELD_ELSEWHERE_MS = 100;

export class TimerWheel {
  #handle: ReturnType<typeof setTimeout> | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #running = false;
  #stopped = false;

  constructor(
    private readonly o: {
      store: Store;
      clock: Clock;
      /** Resolves false when the timer is another worker's to fire. */
      fire: (timer: TimerRecord) => Promise<boolean>;
      log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const next = await this.o.store.nextTimerDue();
    if (next !== undefined) this.#arm(next);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  /** New timers were committed. */
  added(timers: readonly TimerRecord[]): void {
    let min = Number.POSITIVE_INFINITY;
    for (const t of timers) min = Math.min(min, t.dueAt);
    if (min < this.#wakeAt) this.#arm(min);
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    // A wake in progress reads the next due time itself when it ends.
    if (this.#running) return;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#wakeAt = at;
    const delay = Math.min(Math.max(0, at - this.o.clock.now()), MAX_SLEEP_MS);
    this.#handle = setTimeout(() => void this.#wake(), delay);
  }

  async #wake(): Promise<void> {
    this.#handle = undefined;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#running = true;
    let leftToOthers = false;
    try {
      for (;;) {
        const due = await this.o.store.dueTimers(this.o.clock.now(), PAGE);
        // Each fire resolves once its removal is committed, so the next page holds new rows.
        const fired = await Promise.all(due.map((t) => this.o.fire(t)));
        if (fired.includes(false)) leftToOthers = true;
        if (due.length < PAGE || this.#stopped) break;
      }
    } catch (e) {
      this.o.log.error({ err: e }, 'timer wake failed');
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    const next = await this.o.store.nextTimerDue().catch(() => undefined);
    const soonest = this.o.clock.now() + (leftToOthers ? HELD_ELSEWHERE_MS : 1);
    if (next !== undefined) this.#arm(Math.max(next, soonest));
  }
}
