/**
 * @module bus
 * The {@link RunBus} over PostgreSQL's LISTEN/NOTIFY, on one channel per schema
 * (`weft_bus_channel()`). A message is its JSON as the payload; NOTIFY carries at most 8000 bytes,
 * so a larger one is stored in `bus_messages` and its payload is `{ kind: 'stored', id }`, which
 * every listener reads the row of. The store's own `runs` and `wake` messages are sent by
 * `weft_commit` inside the commit.
 */
import type pg from 'pg';
import {
  MAX_BUS_MESSAGE_BYTES,
  WeftError,
  type BusMessage,
  type Logger,
  type RunBus,
} from '@weft/core';
import { parseBusMessage } from '@weft/core/store-kit';
import { ChannelListener } from './listener.js';

/** Below NOTIFY's 8000 bytes, as `weft_publish_runs` splits its messages: larger ones are stored. */
export const MAX_NOTIFY_BYTES = 7900;

const PUBLISH = { name: 'weft_bus_publish', text: 'SELECT pg_notify(weft_bus_channel(), $1)' };
const STORE = { name: 'weft_bus_store', text: 'SELECT weft_bus_store($1)' };
const READ_STORED = { name: 'weft_bus_read', text: 'SELECT body FROM bus_messages WHERE id = $1' };

type Handler = (message: BusMessage) => void;

export interface BusOptions {
  pool: pg.Pool;
  /** A new, unconnected client for listening (see `listener.ts`). */
  client: () => pg.Client;
  log: Logger;
  label: string;
}

export class PostgresBus implements RunBus {
  readonly maxMessageBytes = MAX_BUS_MESSAGE_BYTES;
  readonly #pool: pg.Pool;
  readonly #log: Logger;
  readonly #listener: ChannelListener;
  /** One entry per subscription: the same function subscribed twice is called twice. */
  readonly #handlers = new Set<{ handler: Handler }>();
  /** Publishes go out one after the other, so that they arrive in the order they were made. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Set while a stored message is read: payloads after it wait their turn. */
  #reading: Promise<void> | undefined;

  constructor(o: BusOptions) {
    this.#pool = o.pool;
    this.#log = o.log;
    this.#listener = new ChannelListener({
      client: o.client,
      log: o.log,
      label: o.label,
      onPayload: (payload) => this.#deliver(payload),
      // Work announced while the bus was deaf is not announced again: idle workers look for it.
      onResumed: () => this.#dispatch({ kind: 'wake' }),
    });
  }

  async subscribe(handler: Handler): Promise<() => Promise<void>> {
    if (this.#closed) throw new WeftError('invalid_state', 'the store is closed');
    const entry = { handler };
    this.#handlers.add(entry);
    try {
      await this.#listener.start();
    } catch (error) {
      this.#handlers.delete(entry);
      throw error;
    }
    return async () => {
      if (!this.#handlers.delete(entry)) return;
      if (this.#handlers.size === 0) await this.#listener.stop();
    };
  }

  publish(message: BusMessage): Promise<void> {
    const text = JSON.stringify(message);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_BUS_MESSAGE_BYTES) {
      return Promise.reject(
        new WeftError(
          'payload_too_large',
          `a bus message carries at most ${MAX_BUS_MESSAGE_BYTES} bytes of JSON; this ${message.kind} message has ${bytes}`,
          { details: { bytes, limit: MAX_BUS_MESSAGE_BYTES } },
        ),
      );
    }
    const query = bytes > MAX_NOTIFY_BYTES ? STORE : PUBLISH;
    const sent = this.#tail.then(() => this.#pool.query({ ...query, values: [text] }));
    this.#tail = sent.catch(() => undefined);
    return sent.then(() => undefined);
  }

  /** Stops listening; subscriptions end. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    await this.#listener.stop();
    await this.#tail;
  }

  /** Payloads are handled in the order they came, a stored message's row read in its turn. */
  #deliver(payload: string): void {
    const stored = storedId(payload);
    if (stored === undefined && this.#reading === undefined) {
      const message = parseBusMessage(payload);
      if (message !== undefined) this.#dispatch(message);
      return;
    }
    const turn = (this.#reading ?? Promise.resolve()).then(async () => {
      const text = stored === undefined ? payload : await this.#readStored(stored);
      const message = text === undefined ? undefined : parseBusMessage(text);
      if (message !== undefined && !this.#closed) this.#dispatch(message);
    });
    this.#reading = turn;
    void turn.then(() => {
      if (this.#reading === turn) this.#reading = undefined;
    });
  }

  async #readStored(id: string): Promise<string | undefined> {
    try {
      const { rows } = await this.#pool.query<{ body: string }>({ ...READ_STORED, values: [id] });
      return rows[0]?.body;
    } catch (error) {
      // As a message NOTIFY lost: its sender waits for no one forever (a forward asks again).
      this.#log.warn(
        { id, error: (error as Error).message },
        'could not read a stored bus message',
      );
      return undefined;
    }
  }

  #dispatch(message: BusMessage): void {
    for (const { handler } of [...this.#handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.#log.error(
          { kind: message.kind, error: (error as Error).message },
          'a bus message handler failed',
        );
      }
    }
  }
}

/** The row id a `stored` payload points to, as text. */
function storedId(payload: string): string | undefined {
  return /^\{"kind":"stored","id":(\d+)\}$/.exec(payload)?.[1];
}
