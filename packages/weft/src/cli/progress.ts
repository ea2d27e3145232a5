/**
 * @module cli/progress
 * Live per-node progress on stderr from the run's event stream: a line per finished node, and on
 * a terminal a spinner line for the nodes still running.
 */
import type { RunEvent } from '@weft/core';
import { formatMs, preview } from './format.js';
import { promptText } from './prompt-text.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #started = new Map<string, number>();
  #frame = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #statusShown = false;
  #paused = false;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = out.isTTY === true && process.env['NO_COLOR'] === undefined;
    this.resume();
  }

  /** Draws the status line again after {@link pause}. */
  resume(): void {
    this.#paused = false;
    if (this.#tty && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#redraw(), 80);
      this.#timer.unref();
    }
  }

  /** Clears the status line and draws it no more (lines still print) until {@link resume}. */
  pause(): void {
    this.stop();
  }

  event(e: RunEvent): void {
    const at = Date.parse(e.at);
    const took = (node: string) => {
      const t0 = this.#started.get(node);
      return t0 === undefined ? '' : ` ${formatMs(at - t0)}`;
    };
    const attempts = (n: number) => (n > 1 ? ` (${n} attempts)` : '');
    switch (e.type) {
      case 'node.started':
        this.#started.set(e.node, at);
        if (!this.#tty)
          this.#line(`▶ ${e.node} started (${e.data.type}, attempt ${e.data.attempt})`);
        break;
      case 'node.succeeded':
        this.#line(`✓ ${e.node}${took(e.node)}${attempts(e.data.attempts)}`);
        this.#started.delete(e.node);
        break;
      case 'node.failed': {
        const { error } = e.data;
        const handled = e.data.handled === true ? ' (handled)' : '';
        this.#line(
          `✗ ${e.node}${took(e.node)}${attempts(e.data.attempts)}${handled}: ${error.code}: ${error.message}`,
        );
        this.#started.delete(e.node);
        break;
      }
      case 'node.retrying': {
        const { error } = e.data;
        this.#line(
          `↻ ${e.node} attempt ${e.data.attempt} failed (${error.code}: ${error.message}); retrying in ${formatMs(e.data.delay_ms)}`,
        );
        this.#started.delete(e.node);
        break;
      }
      case 'node.skipped':
        this.#line(`- ${e.node} skipped`);
        break;
      case 'node.cancelled':
        this.#line(`■ ${e.node} cancelled`);
        this.#started.delete(e.node);
        break;
      case 'node.waiting': {
        const d = e.data;
        const prompt = 'until' in d ? undefined : promptText(d.prompt);
        this.#line(
          `⏸ ${e.node} waiting${'until' in d ? ` until ${d.until}` : prompt === undefined ? '' : `: ${prompt}`}`,
        );
        this.#started.delete(e.node);
        break;
      }
      case 'message':
        this.#line(`» ${preview(e.data.text, 400)}`);
        break;
      // How the run failed is said once, with its id, by ./report.ts.
      case 'run.cancelled':
        this.#line('run cancelled');
        break;
      case 'run.paused':
        this.#line('run paused');
        break;
      default:
        break;
    }
    // The status line drawn with a node's last line still names it: draw it without.
    if (this.#statusShown) this.#redraw();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#paused = true;
    this.#clearStatus();
  }

  #line(text: string): void {
    this.#clearStatus();
    this.#out.write(`${text}\n`);
    this.#redraw();
  }

  #clearStatus(): void {
    if (this.#statusShown) {
      this.#out.write('\r\x1b[2K');
      this.#statusShown = false;
    }
  }

  #redraw(): void {
    if (!this.#tty || this.#paused || this.#started.size === 0) return this.#clearStatus();
    const now = Date.now();
    const names = [...this.#started].map(([n, t0]) => `${n} ${formatMs(now - t0)}`).join(', ');
    const width = (this.#out.columns ?? 80) - 4;
    const text = `${SPINNER[this.#frame++ % SPINNER.length]} ${names}`;
    this.#out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.#statusShown = true;
  }
}
