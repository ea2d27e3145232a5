/**
 * @module bus
 * The {@link RunBus} over the file itself: a message is a row of `bus`, and every process that
 * listens reads the rows after the last seq it saw. Only while someone listens, every
 * {@link POLL_MS} it asks SQLite whether another connection committed (`PRAGMA data_version`, which
 * reads no page) and reads the new rows only then; this process's own writes wake it at once. The
 * store's `runs` and `wake` messages are written by the commit itself (`apply-claims.js`), so they
 * exist exactly when the commit does. Rows older than {@link KEEP_MS} are pruned by the workers'
 * lease renewals (see `claims.ts`).
 */
import type { Database, Statement } from 'better-sqlite3';
import {
  MAX_BUS_MESSAGE_BYTES,
  WeftError,
  type BusMessage,
  type Logger,
  type RunBus,
} from '@weft/core';
import { parseBusMessage } from '@weft/core/store-kit';

/** How often a listening process looks for other processes' messages. */
export const POLL_MS = 25;

/** How long a message stays readable: far past any subscriber's poll, even a stalled one's. */
export const KEEP_MS = 60_000;

/** Writes on the store's connection, in turn with the store's other writes. */
export type Serially = <T>(write: () => T) => Promise<T>;

type Handler = (message: BusMessage) => void;

export class SqliteBus implements RunBus {
  readonly maxMessageBytes = MAX_BUS_MESSAGE_BYTES;
  readonly #db: Database;
  readonly #serially: Serially;
  readonly #log: Logger;
  /** One entry per subscription: the same function subscribed twice is called twice. */
  readonly #handlers = new Set<{ handler: Handler }>();
  #s:
    | {
        publish: Statement<[string, number]>;
        after: Statement<[number], { seq: number; message: string }>;
        last: Statement<[], number | null>;
        prune: Statement<[number]>;
      }
    | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The last seq delivered to this process's subscribers. */
  #seen = 0;
  #version = 0;
  /** This process wrote to the bus since the last read (data_version tells only of others). */
  #dirty = false;
  #closed = false;

  constructor(db: Database, serially: Serially, log: Logger) {
    this.#db = db;
    this.#serially = serially;
    this.#log = log;
  }

  /** Prepared on first use: the table exists once the store has migrated. */
  get #st() {
    return (this.#s ??= {
      publish: this.#db.prepare<[string, number]>('INSERT INTO bus (message, at) VALUES (?, ?)'),
      after: this.#db.prepare<[number], { seq: number; message: string }>(
        'SELECT seq, message FROM bus WHERE seq > ? ORDER BY seq',
      ),
      last: this.#db.prepare<[], number | null>('SELECT max(seq) FROM bus').pluck(),
      // From the oldest row up to the first one still kept: no more rows are read than deleted.
      prune: this.#db.prepare<[number]>(
        `DELETE FROM bus WHERE seq < coalesce(
           (SELECT seq FROM bus WHERE at >= ? ORDER BY seq LIMIT 1), 9223372036854775807)`,
      ),
    });
  }

  async subscribe(handler: Handler): Promise<() => Promise<void>> {
    if (this.#closed) throw new WeftError('invalid_state', 'the store is closed');
    const entry = { handler };
    if (this.#handlers.size === 0) this.#listen();
    this.#handlers.add(entry);
    return async () => {
      if (!this.#handlers.delete(entry)) return;
      if (this.#handlers.size === 0) this.#deafen();
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
    return this.#serially(() => this.announce(text));
  }

  /** Writes a message inside the caller's transaction (or alone); this process hears it at once. */
  announce(text: string): void {
    this.#st.publish.run(text, Date.now());
    this.poke();
  }

  /** This process wrote messages (a commit of claimed runs): read them without waiting the poll. */
  poke(): void {
    if (this.#timer === undefined || this.#dirty) return;
    this.#dirty = true;
    setImmediate(() => this.#read());
  }

  /** Deletes the messages older than {@link KEEP_MS}; call it inside a write. */
  prune(): void {
    this.#st.prune.run(Date.now() - KEEP_MS);
  }

  /** Stops listening; subscriptions end. */
  close(): void {
    this.#closed = true;
    this.#handlers.clear();
    this.#deafen();
  }

  #listen(): void {
    // Messages published from now on: what is in the table already is not delivered.
    this.#seen = this.#st.last.get() ?? 0;
    this.#version = this.#dataVersion();
    // Referenced, as PostgreSQL's listening connection is: a process that listens (a worker) stays
    // up until it stops listening.
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
  }

  #deafen(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#dirty = false;
  }

  #dataVersion(): number {
    return Number(this.#db.pragma('data_version', { simple: true }));
  }

  #poll(): void {
    if (!this.#db.open) return;
    const version = this.#dataVersion();
    if (version === this.#version) return;
    this.#version = version;
    this.#read();
  }

  #read(): void {
    this.#dirty = false;
    if (this.#timer === undefined || !this.#db.open) return;
    let rows: { seq: number; message: string }[];
    try {
      rows = this.#st.after.all(this.#seen);
    } catch (error) {
      // A busy or failing file: the next poll reads again from the same seq.
      this.#log.warn({ err: error }, 'SQLite bus: reading messages failed');
      return;
    }
    for (const row of rows) {
      this.#seen = row.seq;
      const message = parseBusMessage(row.message);
      if (message !== undefined) this.#dispatch(message);
    }
  }

  #dispatch(message: BusMessage): void {
    for (const { handler } of [...this.#handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.#log.error({ err: error }, 'a bus subscriber threw');
      }
    }
  }
}
