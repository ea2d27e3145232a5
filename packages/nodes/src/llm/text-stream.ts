/**
 * @module llm/text-stream
 * Streams a model's text as `node.progress` events, coalesced: a chunk goes out once
 * {@link FLUSH_CHARS} characters are pending or {@link FLUSH_MS} after the first pending one, and
 * at the end of a call, so that a long answer is tens of events rather than thousands.
 *
 * Text that a client may have shown but that is not part of the answer (a call that failed half
 * way, an attempt before a retry, an answer that is being repaired) is withdrawn with a
 * `{ reset: true }` event just before the next text, so that a client never shows the partial text
 * of a failed try followed by the next try's.
 */
import type { NodeContext } from '@weft/core/plugin';

export const FLUSH_CHARS = 256;
export const FLUSH_MS = 100;

export interface TextStream {
  /** Adds text to the answer being streamed. */
  write(delta: string): void;
  /** Sends what is pending. */
  flush(): void;
  /** What was sent so far is not the answer: drop what is pending, reset before the next text. */
  discard(): void;
}

/**
 * A text stream for one node execution. On a retry (`ctx.attempt > 1`) the previous attempt may
 * have streamed text, so the first text is preceded by a reset.
 */
export function createTextStream(ctx: Pick<NodeContext, 'emit' | 'attempt'>): TextStream {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let shown = ctx.attempt > 1;
  let stale = shown;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    if (stale) ctx.emit.progress({ reset: true });
    stale = false;
    shown = true;
    ctx.emit.progress({ delta: pending });
    pending = '';
  };
  return {
    write(delta) {
      if (delta === '') return;
      pending += delta;
      if (pending.length >= FLUSH_CHARS) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
    discard() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = '';
      stale = shown;
    },
  };
}
