/**
 * @module listener
 * One connection that LISTENs to the schema's bus channel, apart from the pool (a pooled
 * connection is handed to others between queries, and LISTEN belongs to its session). When the
 * connection drops it is made again, after a delay that doubles up to a few seconds; what was
 * published meanwhile is lost, which the owner is told of (`onResumed`).
 */
import type pg from 'pg';
import type { Logger } from '@weft/core';
import { quoteIdent } from './connect.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

export interface ListenerOptions {
  /** A new, unconnected client on the store's database and schema. */
  client: () => pg.Client;
  log: Logger;
  label: string;
  /** Each payload, in the order the server delivers them. */
  onPayload: (payload: string) => void;
  /** Listening again after a drop: payloads of the gap were missed. */
  onResumed: () => void;
}

export class ChannelListener {
  readonly #o: ListenerOptions;
  #client: pg.Client | undefined;
  #ready: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  /** Raised by each start and stop: a connection made for an earlier one is not kept. */
  #generation = 0;
  #running = false;

  constructor(options: ListenerOptions) {
    this.#o = options;
  }

  /** Resolves once listening; idempotent. A first connection that fails rejects (no retry). */
  start(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    this.#running = true;
    const generation = ++this.#generation;
    this.#ready = this.#connect(generation).catch((error: unknown) => {
      if (generation === this.#generation) {
        this.#ready = undefined;
        this.#running = false;
      }
      throw error;
    });
    return this.#ready;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#generation++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const ready = this.#ready;
    this.#ready = undefined;
    await ready?.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(generation: number): Promise<void> {
    const client = this.#o.client();
    client.on('error', (error) => this.#dropped(client, error));
    client.on('end', () => this.#dropped(client));
    client.on('notification', (n) => {
      if (this.#running && n.payload !== undefined) this.#o.onPayload(n.payload);
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ channel: string }>(
        'SELECT weft_bus_channel() AS channel',
      );
      await client.query(`LISTEN ${quoteIdent(rows[0]?.channel ?? '')}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (generation !== this.#generation) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
  }

  #dropped(client: pg.Client, error?: Error): void {
    if (client !== this.#client || !this.#running) return;
    this.#client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.#o.log.warn(
      { database: this.#o.label, error: error?.message ?? 'connection ended' },
      'PostgreSQL bus connection lost: listening again',
    );
    this.#retry(this.#generation);
  }

  #retry(generation: number): void {
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.#attempt++);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect(generation).then(
        () => {
          if (generation !== this.#generation) return;
          this.#attempt = 0;
          this.#o.log.info({ database: this.#o.label }, 'PostgreSQL bus listening again');
          this.#o.onResumed();
        },
        (error: unknown) => {
          if (generation !== this.#generation) return;
          this.#o.log.warn(
            { database: this.#o.label, error: (error as Error).message },
            'PostgreSQL bus cannot listen yet',
          );
          this.#retry(generation);
        },
      );
    }, delay);
    // Reconnecting alone must not keep the process running.
    this.#timer.unref();
  }
}
