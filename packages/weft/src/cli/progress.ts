/**
 * @module cli/progress
 * Live per-node progress on stderr from the run's event stream: a line per finished node, and on
 * a terminal a spinner line for the nodes still running.
 */
import type { RunEvent } from '@weft/core';
import { formatMs, preview } from './format.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #started = new Map<string, number>();
  #frame = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #statusShown = false;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = out.isTTY === true && process.env['NO_COLOR'] === undefined;
    if (this.#tty) {
      this.#timer = setInterval(() => this.#redraw(), 80);
      this.#timer.unref();
    }
  }

  event(e: RunEvent): void {
    const node = e.node ?? '';
    const data = (e.data ?? {}) as Record<string, unknown>;
    const at = Date.parse(e.at);
    const took = () => {
      const t0 = this.#started.get(node);
      return t0 === undefined ? '' : ` ${formatMs(at - t0)}`;
    };
    const attempts = () =>
      typeof data['attempts'] === 'number' && data['attempts'] > 1
        ? ` (${data['attempts']} attempts)`
        : '';
    switch (e.type) {
      case 'node.started':
        this.#started.set(node, at);
        if (!this.#tty)
          this.#line(
            `▶ ${node} started (${String(data['type'])}, attempt ${String(data['attempt'])})`,
          );
        break;
      case 'node.succeeded':
        this.#line(`✓ ${node}${took()}${attempts()}`);
        this.#started.delete(node);
        break;
      case 'node.failed': {
        const err = (data['error'] ?? {}) as { code?: string; message?: string };
        const handled = data['handled'] === true ? ' (handled)' : '';
        this.#line(
          `✗ ${node}${took()}${attempts()}${handled}: ${err.code ?? 'error'}: ${err.message ?? ''}`,
        );
        this.#started.delete(node);
        break;
      }
      case 'node.retrying': {
        const err = (data['error'] ?? {}) as { code?: string; message?: string };
        this.#line(
          `↻ ${node} attempt ${String(data['attempt'])} failed (${err.code ?? 'error'}: ${err.message ?? ''}); retrying in ${formatMs(Number(data['delay_ms']))}`,
        );
        this.#started.delete(node);
        break;
      }
      case 'node.skipped':
        this.#line(`- ${node} skipped`);
        break;
      case 'node.cancelled':
        this.#line(`■ ${node} cancelled`);
        this.#started.delete(node);
        break;
      case 'node.waiting':
        this.#line(
          `⏸ ${node} waiting${typeof data['until'] === 'string' ? ` until ${data['until']}` : typeof data['prompt'] === 'string' ? `: ${data['prompt']}` : ''}`,
        );
        this.#started.delete(node);
        break;
      case 'message':
        this.#line(`» ${preview(data['text'], 400)}`);
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
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
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
    if (!this.#tty || this.#started.size === 0) return this.#clearStatus();
    const now = Date.now();
    const names = [...this.#started].map(([n, t0]) => `${n} ${formatMs(now - t0)}`).join(', ');
    const width = (this.#out.columns ?? 80) - 4;
    const text = `${SPINNER[this.#frame++ % SPINNER.length]} ${names}`;
    this.#out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.#statusShown = true;
  }
}
