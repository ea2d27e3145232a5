/**
 * @module triggers/scheduler
 * Fires cron schedules kept in the store: sleeps until the earliest due time, claims each due
 * schedule with a compare-and-set on its next due time (so that a due time fires once however many
 * schedulers share the store), and starts one run per claimed due time.
 *
 * After downtime a schedule fires once for the missed time(s) — the run of its first missed due
 * time — and moves on to its next due time after now: one catch-up, never a burst. The same holds
 * when this process is late (a blocked event loop): due times it slept through fold into one run.
 *
 * Each run's idempotency key is `cron:<trigger index>:<due time, ISO 8601>`. A crash between the
 * claim and the run's first commit loses that one fire (at most once); the key keeps a due time from
 * ever starting two runs.
 *
 * @example
 * ```ts
 * const engine = await Engine.open({ db: 'weft.db', scheduler: true }); // or:
 * const scheduler = startScheduler(engine);
 * await scheduler.stop();
 * ```
 */
import { systemClock, type Clock, type Logger, type ScheduleRecord, type Store } from '@weft/core';
import { nextFire } from './cron.js';

/** What the scheduler needs of the engine. */
export interface SchedulerHost {
  readonly store: Store;
  readonly log: Logger;
  start(
    workflowId: string,
    options: { tenant: string; input: unknown; idempotencyKey: string },
  ): Promise<{ id: string }>;
  /** Lets the engine wake the scheduler on publish and stop it on close. */
  attachScheduler?(scheduler: Scheduler): () => void;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** Longest sleep, so that schedules written by another process are seen. @default 60000 */
  maxSleepMs?: number;
  /** Schedules read per query. @default 100 */
  batch?: number;
}

/** One never-again due time for an expression with no future fire. */
const NEVER = Number.MAX_SAFE_INTEGER;

export class Scheduler {
  readonly #host: SchedulerHost;
  readonly #clock: Clock;
  readonly #maxSleep: number;
  readonly #batch: number;
  readonly #log: Logger;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #loop: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #detach: (() => void) | undefined;
  /** Runs started by this scheduler since it started. */
  fired = 0;

  constructor(host: SchedulerHost, options: SchedulerOptions = {}) {
    this.#host = host;
    this.#clock = options.clock ?? systemClock;
    this.#maxSleep = options.maxSleepMs ?? 60_000;
    this.#batch = options.batch ?? 100;
    this.#log = host.log.child({ component: 'scheduler' });
  }

  /** @internal {@link startScheduler} calls it. */
  begin(): void {
    this.#detach = this.#host.attachScheduler?.(this);
    this.wake();
  }

  /** Looks at the store again now (schedules were published or deleted). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#loop !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Stops firing and waits for a fire in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#detach?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const due = await this.#host.store.dueSchedules(this.#clock.now(), this.#batch);
        for (const s of due) {
          if (this.#stopped) return;
          await this.#fire(s);
        }
        if (due.length < this.#batch) break;
      }
      if (this.#stopped) return;
      const next = await this.#host.store.nextScheduleDue();
      this.#arm(next === undefined ? this.#maxSleep : next - this.#clock.now());
    } catch (error) {
      this.#log.error({ err: error }, 'scheduler pass failed; trying again in 1 s');
      this.#arm(1000);
    }
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    const delay = Math.min(Math.max(ms, 0), this.#maxSleep);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.wake();
    }, delay);
    // A scheduler alone keeps no process alive: the engine (or server) decides when to exit.
    this.#timer.unref();
  }

  async #fire(s: ScheduleRecord): Promise<void> {
    const now = this.#clock.now();
    let next: number;
    let broken = false;
    try {
      // An expression with no fire left (a year-bound one) still fires this due time, then rests.
      next = nextFire(s.schedule, s.timezone, Math.max(now, s.nextDue)) ?? NEVER;
    } catch (error) {
      this.#log.error(
        { err: error, schedule: s.id },
        'cron schedule cannot be parsed; it rests until the workflow is published again',
      );
      next = NEVER;
      broken = true;
    }
    if (!(await this.#host.store.claimDueSchedule(s.id, s.nextDue, next))) return;
    if (broken) return;
    const due = new Date(s.nextDue).toISOString();
    const key = `cron:${s.triggerIndex}:${due}`;
    try {
      const run = await this.#host.start(s.workflowId, {
        tenant: s.tenant,
        input: s.input ?? {},
        idempotencyKey: key,
      });
      this.fired++;
      this.#log.info(
        { tenant: s.tenant, workflow: s.workflowId, runId: run.id, due, late_ms: now - s.nextDue },
        'cron run started',
      );
    } catch (error) {
      // The due time is claimed: it is not tried again (a broken input would fail every time).
      this.#log.error(
        { err: error, tenant: s.tenant, workflow: s.workflowId, due },
        'cron run could not start',
      );
    }
  }
}

/** Starts a scheduler over the engine's store; the engine stops it when it closes. */
export function startScheduler(host: SchedulerHost, options: SchedulerOptions = {}): Scheduler {
  const scheduler = new Scheduler(host, options);
  scheduler.begin();
  return scheduler;
}
