/**
 * @module javascript/timers
 * `setTimeout` for one job: host timers that queue the QuickJS callbacks when they are due. A timer
 * due at or after the job's deadline never fires (the job times out first), and the pending
 * timers are bounded, so that timers can neither outlive the job nor pile up.
 */
import type { QuickJSContext, QuickJSHandle, VmCallResult } from 'quickjs-emscripten';

const MAX_PENDING = 1_000;

export class Timers {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { fn: QuickJSHandle; timer: NodeJS.Timeout | undefined }
  >();
  private readonly due: QuickJSHandle[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly vm: QuickJSContext,
    private readonly deadline: () => number,
  ) {}

  /** Timers set and not yet run. */
  get size(): number {
    return this.pending.size + this.due.length;
  }

  schedule(fn: QuickJSHandle, ms: number): QuickJSHandle | VmCallResult<QuickJSHandle> {
    if (this.pending.size >= MAX_PENDING) {
      return {
        error: this.vm.newError({
          name: 'RangeError',
          message: `more than ${MAX_PENDING} timers pending at once`,
        }),
      };
    }
    const id = this.nextId++;
    const kept = fn.dup();
    const delay = Math.max(Number.isFinite(ms) ? ms : 0, 0);
    const timer =
      Date.now() + delay >= this.deadline()
        ? undefined
        : setTimeout(() => {
            this.pending.delete(id);
            this.due.push(kept);
            this.wake?.();
          }, delay);
    this.pending.set(id, { fn: kept, timer });
    return this.vm.newNumber(id);
  }

  cancel(id: number): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.fn.dispose();
    this.pending.delete(id);
  }

  /** The next callback that is due, for the caller to run and dispose. */
  takeDue(): QuickJSHandle | undefined {
    return this.due.shift();
  }

  /** Waits for a timer to come due: true, or false when the deadline passes first. */
  wait(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const limit = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      this.wake = () => {
        clearTimeout(limit);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  dispose(): void {
    for (const { fn, timer } of this.pending.values()) {
      clearTimeout(timer);
      fn.dispose();
    }
    this.pending.clear();
    for (const fn of this.due.splice(0)) fn.dispose();
    this.wake = undefined;
  }
}
