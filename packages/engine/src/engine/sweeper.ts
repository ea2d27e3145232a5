/**
 * @module engine/sweeper
 * Applies retention on a timer: once as the engine opens (so that a short-lived process, such as
 * `weft run`, applies it too), then every `everyMs`. The timer keeps no process alive; a pass in
 * progress ends at the next workflow when the engine closes.
 */
import type { Logger } from '@weft/core';
import type { Retention, RetentionBounds } from './retention.js';

/** `Engine.open({ retention })`: the engine-wide bounds and how often they are applied. */
export interface RetentionOptions extends RetentionBounds {
  /** How often finished runs are looked at. @default 600000 (10 minutes) */
  everyMs?: number;
}

const DEFAULT_EVERY_MS = 10 * 60_000;

export class Sweeper {
  readonly #retention: Retention;
  readonly #options: RetentionOptions;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> | undefined;

  constructor(retention: Retention, options: RetentionOptions, log: Logger) {
    this.#retention = retention;
    this.#options = options;
    this.#log = log.child({ component: 'retention' });
  }

  /** Sweeps now (in the background), then every `everyMs`. */
  start(): void {
    this.#pass ??= this.#next();
  }

  /** Stops the timer and waits for a pass in progress to end. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    await this.#pass;
  }

  /** A pass, then the timer for the one after it. */
  #next(): Promise<void> {
    return this.#sweep().finally(() => {
      this.#pass = undefined;
      if (this.#stop.signal.aborted) return;
      this.#timer = setTimeout(() => {
        this.#pass = this.#next();
      }, this.#options.everyMs ?? DEFAULT_EVERY_MS);
      this.#timer.unref();
    });
  }

  async #sweep(): Promise<void> {
    const bounds: RetentionBounds = {};
    if (this.#options.days !== undefined) bounds.days = this.#options.days;
    if (this.#options.runs !== undefined) bounds.runs = this.#options.runs;
    try {
      const { deleted, freedBytes } = await this.#retention.sweep(bounds, this.#stop.signal);
      if (deleted > 0) {
        this.#log.info(
          { deleted, freed_bytes: freedBytes },
          'finished runs past their retention deleted',
        );
      }
    } catch (error) {
      this.#log.error({ err: error }, 'retention sweep failed; tried again at the next one');
    }
  }
}
